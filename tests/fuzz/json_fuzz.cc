// Differential fuzz target for kube::ReadJson against nlohmann's Json::parse
// (the reader the API client used before, and the contract ReadJson states):
// both accept or both reject; when both accept, the values are equal and
// serialise to the same text (so number types agree too). The one allowed
// difference: ReadJson rejects nesting deeper than kMaxJsonDepth.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "lib/kube/json_reader.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

int Depth(const nlohmann::json& j) {
  if (!j.is_structured()) return 0;
  int deepest = 0;
  for (const auto& child : j) deepest = std::max(deepest, Depth(child));
  return deepest + 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ours = sealsync::kube::ReadJson(text);
  nlohmann::json theirs =
      nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (theirs.is_discarded()) {
    FUZZ_CHECK(!ours);
    return 0;
  }
  if (Depth(theirs) > sealsync::kube::kMaxJsonDepth) {
    FUZZ_CHECK(!ours);
    return 0;
  }
  FUZZ_CHECK(ours.has_value());
  FUZZ_CHECK(*ours == theirs);
  FUZZ_CHECK(ours->dump() == theirs.dump());
  return 0;
}
