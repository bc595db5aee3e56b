// Infisical folder paths and host names as the client keys and sends them.
#pragma once

#include <string>
#include <string_view>

namespace sealsync::vault {

// "/a/b" form: a leading slash, no trailing or doubled slashes; "" -> "/".
std::string NormalizePath(std::string_view path);

// `folder` ("/x/y" or "x/y") below `base`, normalized: ("/a", "/b") -> "/a/b".
std::string JoinPath(std::string_view base, std::string_view folder);

// The API base without trailing slashes: "http://h:1/api/" -> "http://h:1/api".
std::string NormalizeApiBase(std::string_view host_api);

// The scheme and authority of an API base, lower-cased: the unit a 429 is
// about. "https://App.Infisical.com/api" -> "https://app.infisical.com".
std::string HostOf(std::string_view host_api);

}  // namespace sealsync::vault
