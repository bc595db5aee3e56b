// Fuzz target for format::ParseHeader (age FuzzMalleability): a header that
// parses has exactly one encoding, so serialising what was parsed gives back
// the very bytes that were read; on error there is no output and the error is
// "header malformed".
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "lib/format/age_header.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sealsync;
  ByteView in(data, size);
  std::string_view text = AsString(in);
  auto parsed = format::ParseHeader(in);
  if (!parsed) {
    FUZZ_CHECK(parsed.error().code() == ErrorCode::kInvalidArgument);
    FUZZ_CHECK(parsed.error().message().starts_with("header malformed: "));
    return 0;
  }
  FUZZ_CHECK(parsed->size <= size);
  FUZZ_CHECK(!parsed->header.stanzas.empty());
  // "--- " + 43 base64 characters + LF follow the MAC input.
  FUZZ_CHECK(parsed->mac_input_size + 1 + 43 + 1 == parsed->size);
  FUZZ_CHECK(format::SerializeHeader(parsed->header) ==
             text.substr(0, parsed->size));
  FUZZ_CHECK(format::SerializeMacInput(parsed->header.stanzas) ==
             text.substr(0, parsed->mac_input_size));
  return 0;
}
