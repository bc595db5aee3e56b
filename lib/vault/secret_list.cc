// The value types of include/sealsync/vault.h.
#include <tuple>

#include "lib/vault/paths.h"
#include "sealsync/vault.h"

namespace sealsync::vault {

bool SecretScope::operator<(const SecretScope& o) const {
  return std::tie(project_slug, environment, path, recursive, expand_references,
                  include_imports) <
         std::tie(o.project_slug, o.environment, o.path, o.recursive,
                  o.expand_references, o.include_imports);
}

std::string SecretScope::ToString() const {
  std::string s = project_slug + "/" + environment + ":" + path;
  if (recursive) s += " recursive";
  return s;
}

const VaultSecret* SecretList::Find(std::string_view key) const {
  size_t slash = key.rfind('/');
  if (slash == std::string_view::npos) {
    for (const auto& s : secrets)
      if (s.key == key) return &s;
    return nullptr;
  }
  // "/a/KEY": folder a below the scope's folder first, then as absolute.
  std::string_view name = key.substr(slash + 1);
  std::string_view folder = key.substr(0, slash);
  const std::string relative = JoinPath(path, folder);
  const std::string absolute = NormalizePath(folder);
  for (const std::string& want : {relative, absolute})
    for (const auto& s : secrets)
      if (s.key == name && NormalizePath(s.path) == want) return &s;
  return nullptr;
}

}  // namespace sealsync::vault
