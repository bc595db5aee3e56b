#include "lib/vault/paths.h"

#include <cctype>
#include <vector>

namespace sealsync::vault {

std::string NormalizePath(std::string_view path) {
  std::string out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) {
      out += '/';
      out.append(path.substr(i, j - i));
    }
    i = j;
  }
  return out.empty() ? "/" : out;
}

std::string JoinPath(std::string_view base, std::string_view folder) {
  std::string joined(base);
  joined += '/';
  joined.append(folder);
  return NormalizePath(joined);
}

std::string NormalizeApiBase(std::string_view host_api) {
  while (!host_api.empty() && host_api.back() == '/') host_api.remove_suffix(1);
  return std::string(host_api);
}

std::string HostOf(std::string_view host_api) {
  size_t scheme = host_api.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t end = host_api.find('/', start);
  std::string host(host_api.substr(0, end));
  for (char& c : host)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return host;
}

}  // namespace sealsync::vault
