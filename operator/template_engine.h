// ESO's target.template engine (v2, Go text/template with sprig functions),
// the subset sealsync supports, as a pure function. Templates come from
// tenants and values from a vault the tenant may run: sizes and nesting are
// bounded, nothing recurses on input without a bound, intermediate values
// are wiped when dropped, and no error quotes a value.
//
// Syntax: text with {{ pipeline }} actions ("{{-" / "-}}" trim the
// whitespace on that side). A pipeline is commands joined by '|', the
// result of each passed as the last argument of the next. Operands: `.KEY`
// (a fetched key; [A-Za-z0-9_.-]+), `.` (every key, for `index . "a-b"`),
// "string" (Go escapes), `raw string`, integers, ( pipeline ).
//
// Functions: b64enc b64dec toJson fromJson toString lower upper trim
// trimPrefix trimSuffix quote squote replace default indent nindent index
// filterPEM (pem_filter.h).
// Not supported (an error naming the function): pkcs12key pkcs12cert
// pkcs12keyPass pkcs12certPass pemToPkcs12 pemToPkcs12Pass fullPemToPkcs12
// fullPemToPkcs12Pass jwkPublicKeyPem jwkPrivateKeyPem toYaml fromYaml, and
// anything else.
#pragma once

#include <map>
#include <string>

#include "sealsync/error.h"

namespace sealsync::op {

inline constexpr size_t kMaxTemplateBytes = 64 * 1024;
inline constexpr size_t kMaxRenderedBytes = 1 << 20;  // per template
inline constexpr int kMaxTemplateDepth = 32;          // nested ( )
inline constexpr int kMaxIndent = 256;

// Renders `tmpl` with `values`. kInvalidArgument naming `field` and what is
// wrong (the unknown key or function, the syntax error with its offset);
// kResourceExhausted past a bound.
Result<std::string> RenderGoTemplate(
    const std::string& field, const std::string& tmpl,
    const std::map<std::string, std::string>& values);

}  // namespace sealsync::op
