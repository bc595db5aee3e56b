// Fuzz target for format::Dearmor and format::Armor. Dearmor tolerates only
// whitespace around the block and CRLF line ends, so an accepted input is
// Armor()'s output once those are normalised away; on error there is no
// output and the error is "armor malformed". Armor of any bytes dearmors back
// to them.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/format/armor.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Trims surrounding whitespace, turns CRLF into LF, ends with one LF.
std::string Normalise(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    out += s[i];
  }
  out += '\n';
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sealsync;
  ByteView in(data, size);

  // Armor of arbitrary bytes round-trips.
  auto back = format::Dearmor(AsBytes(format::Armor(in)));
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(*back == Bytes(in.begin(), in.end()));

  // Dearmor accepts nothing but the canonical form (modulo whitespace/CRLF).
  auto decoded = format::Dearmor(in);
  if (!decoded) {
    FUZZ_CHECK(decoded.error().code() == ErrorCode::kInvalidArgument);
    FUZZ_CHECK(decoded.error().message().starts_with("armor malformed: "));
    return 0;
  }
  FUZZ_CHECK(format::LooksArmored(in));
  FUZZ_CHECK(format::Armor(*decoded) == Normalise(AsString(in)));
  return 0;
}
