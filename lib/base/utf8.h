// UTF-8 encoding of one code point, shared by the JSON reader (lib/kube) and
// the operator's flat-map scalar decoder.
#pragma once

#include <cstdint>
#include <string>

namespace sealsync {

// Appends the UTF-8 encoding of `cp` to `out`. The caller has checked that
// `cp` is a Unicode scalar value (<= 0x10FFFF, not a surrogate).
void AppendUtf8(std::string& out, uint32_t cp);

}  // namespace sealsync
