// Fuzz target for api::ParseManifest (lib/api/manifest.h), the reader of
// every manifest a user hands sealctl and of generic manifests, in both
// scalar modes. Properties:
//   - no crash, no exception escapes (yaml-cpp's and nlohmann's are caught);
//   - an error is one line of printable text (sealctl prints it after
//     "sealctl: error: "): no control characters from the input;
//   - an accepted document serialises to JSON and YAML without throwing
//     (nlohmann's dump() throws on bytes that are not UTF-8);
//   - the alias-expansion budget holds: the document holds at most
//     1 MiB + 4 x the input's size in nodes and scalar bytes, however many
//     aliases it had, and its JSON is at most a constant factor of that;
//   - JSON output reads back as the same document.
#include <cstdint>
#include <string>
#include <string_view>

#include "lib/api/manifest.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using sealsync::api::Json;
using sealsync::api::Scalars;

// What the budget counts: one per node, plus the bytes of every string and
// key. Stops counting past `limit`, so a (wrongly) huge document is not
// walked to its end.
size_t Units(const Json& j, size_t limit) {
  size_t n = 1;
  if (j.is_string()) return n + j.get_ref<const std::string&>().size();
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (n > limit) return n;
      n += k.size() + Units(v, limit - std::min(n, limit));
    }
  } else if (j.is_array()) {
    for (const auto& v : j) {
      if (n > limit) return n;
      n += Units(v, limit - std::min(n, limit));
    }
  }
  return n;
}

int Depth(const Json& j) {
  if (!j.is_structured()) return 0;
  int deepest = 0;
  for (const auto& child : j) deepest = std::max(deepest, Depth(child));
  return deepest + 1;
}

void Check(std::string_view text, Scalars scalars) {
  auto doc = sealsync::api::ParseManifest(text, scalars);
  if (!doc) {
    for (char c : doc.error().message())
      FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
    return;
  }
  const size_t budget = (size_t{1} << 20) + 4 * text.size();
  size_t units = Units(*doc, budget);
  FUZZ_CHECK(units <= budget);
  std::string json;
  try {
    json = sealsync::api::EmitJson(*doc);
    (void)sealsync::api::EmitYaml(*doc);
  } catch (...) {
    FUZZ_CHECK(!"an accepted document does not serialise");
  }
  // Per unit at most a \uXXXX escape, quotes and separators; a number (one
  // unit) at most 24 characters.
  FUZZ_CHECK(json.size() <= 32 * units + 2);
  // The JSON reader refuses nesting deeper than 256 (the API client's
  // limit); yaml-cpp has its own, higher one.
  if (Depth(*doc) > 256) return;
  auto again = sealsync::api::ParseManifest(json, scalars);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(*again == *doc);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Check(text, Scalars::kKeepText);
  Check(text, Scalars::kTyped);
  return 0;
}
