#include "lib/crypto/scope.h"

#include <algorithm>
#include <cctype>

namespace sealsync {
namespace {

// A DNS-1123 subdomain: lower-case alphanumerics, '-' and '.', at most 253.
bool IsKubeName(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

}  // namespace

std::optional<Scope> ParseScope(std::string_view text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(c));
  if (lower == "strict") return Scope::kStrict;
  if (lower == "namespace" || lower == "namespace-wide")
    return Scope::kNamespace;
  if (lower == "cluster" || lower == "cluster-wide") return Scope::kCluster;
  return std::nullopt;
}

std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kStrict:
      return "Strict";
    case Scope::kNamespace:
      return "Namespace";
    case Scope::kCluster:
      return "Cluster";
  }
  return "Strict";
}

std::string ScopeBinding::ToString() const {
  switch (scope) {
    case Scope::kStrict:
      return "strict " + ns + "/" + name;
    case Scope::kNamespace:
      return "namespace " + ns;
    case Scope::kCluster:
      return "cluster";
  }
  return "";
}

Result<void> CheckScope(const std::optional<ScopeBinding>& found,
                        const ScopeBinding& expect) {
  if (!found) {
    if (expect.scope == Scope::kCluster) return {};
    return MakeError(ErrorCode::kPermissionDenied,
                     "scope mismatch: value has no scope binding (only "
                     "accepted with scope Cluster), expected " +
                         expect.ToString());
  }
  if (*found == expect) return {};
  return MakeError(ErrorCode::kPermissionDenied,
                   "scope mismatch: value is sealed for " + found->ToString() +
                       ", expected " + expect.ToString());
}

namespace crypto {

Result<void> ValidateBinding(const ScopeBinding& b) {
  bool ok = false;
  switch (b.scope) {
    case Scope::kStrict:
      ok = IsKubeName(b.ns) && IsKubeName(b.name);
      break;
    case Scope::kNamespace:
      ok = IsKubeName(b.ns) && b.name.empty();
      break;
    case Scope::kCluster:
      ok = b.ns.empty() && b.name.empty();
      break;
  }
  if (!ok) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "invalid scope binding: scope " + std::string(ScopeName(b.scope)) +
            " needs " +
            (b.scope == Scope::kStrict      ? "a namespace and a name"
             : b.scope == Scope::kNamespace ? "a namespace only"
                                            : "no namespace or name") +
            " (lower-case Kubernetes names)");
  }
  return {};
}

std::vector<std::string> BindingArgs(const ScopeBinding& b) {
  switch (b.scope) {
    case Scope::kStrict:
      return {"strict", b.ns + "/" + b.name};
    case Scope::kNamespace:
      return {"namespace", b.ns};
    case Scope::kCluster:
      return {"cluster"};
  }
  return {};
}

Result<ScopeBinding> ParseBindingArgs(const std::vector<std::string>& args) {
  auto bad = MakeError(ErrorCode::kInvalidArgument, "malformed scope binding");
  if (args.empty()) return bad;
  ScopeBinding b;
  if (args[0] == "strict" && args.size() == 2) {
    size_t slash = args[1].find('/');
    if (slash == std::string::npos) return bad;
    b = {Scope::kStrict, args[1].substr(0, slash), args[1].substr(slash + 1)};
  } else if (args[0] == "namespace" && args.size() == 2) {
    b = {Scope::kNamespace, args[1], ""};
  } else if (args[0] == "cluster" && args.size() == 1) {
    b = {Scope::kCluster, "", ""};
  } else {
    return bad;
  }
  if (!ValidateBinding(b)) return bad;
  return b;
}

}  // namespace crypto
}  // namespace sealsync
