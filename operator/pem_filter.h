// filterPEM of ESO's template engine (v2): the PEM blocks of one type out of
// a bundle, e.g. the certificate of a Secret that holds a certificate and
// its private key.
#pragma once

#include <string>
#include <string_view>

#include "sealsync/error.h"

namespace sealsync::op {

// The blocks of `input` whose type equals `type` (ignoring case), each
// re-encoded as Go's encoding/pem writes it: "-----BEGIN T-----", its
// headers (Proc-Type first, the rest sorted by name) and a blank line if it
// has any, its bytes in base64 lines of 64 characters, "-----END T-----",
// each line ending "\n". Blocks are read as Go's pem.Decode reads them: a
// BEGIN line at the start of a line, optional "Key: Value" header lines,
// base64 (spaces and line breaks ignored), the END line of the same type;
// a block that does not parse is skipped. "" when no block matches; an
// error ("found junk", never quoting the input) when none matches and
// something other than whole blocks is left after the last block.
Result<std::string> FilterPem(std::string_view type, std::string_view input);

}  // namespace sealsync::op
