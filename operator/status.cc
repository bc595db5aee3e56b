#include "operator/status.h"

#include "lib/base/time_format.h"
#include "sealsync/names.h"

namespace sealsync::op {

kube::Json ReadyCondition(const kube::Json& old_status, bool ready,
                          std::string_view reason, const std::string& message,
                          int64_t generation, const Clock& clock) {
  std::string status = ready ? "True" : "False";
  std::string transition = FormatRfc3339(clock.WallNow());
  for (const auto& c : old_status.value("conditions", kube::Json::array())) {
    if (c.value("type", "") == names::kConditionReady &&
        c.value("status", "") == status) {
      transition = c.value("lastTransitionTime", transition);
    }
  }
  return {{"type", names::kConditionReady},
          {"status", status},
          {"reason", reason},
          {"message", message},
          {"observedGeneration", generation},
          {"lastTransitionTime", transition}};
}

Verdict ReadyVerdict(const kube::Json& obj) {
  if (!obj.is_object() || !obj.contains("status") || !obj.contains("metadata"))
    return Verdict::kNone;
  const kube::Json& status = obj["status"];
  const kube::Json& meta = obj["metadata"];
  if (!status.is_object() || !meta.is_object() ||
      status.value("observedGeneration", int64_t{-1}) !=
          meta.value("generation", int64_t{0}))
    return Verdict::kNone;
  auto conditions = status.find("conditions");
  if (conditions == status.end() || !conditions->is_array())
    return Verdict::kNone;
  for (const auto& c : *conditions) {
    if (c.is_object() && c.value("type", "") == names::kConditionReady)
      return c.value("status", "") == "True" ? Verdict::kReady
                                             : Verdict::kNotReady;
  }
  return Verdict::kNone;
}

Result<void> WriteStatusIfChanged(kube::Client& client,
                                  const kube::Resource& resource,
                                  const kube::Json& obj,
                                  const kube::Json& desired) {
  if (obj.value("status", kube::Json::object()) == desired) return {};
  const kube::Json& meta = obj["metadata"];
  auto p = client.MergePatch(
      resource, {meta.value("namespace", ""), meta.value("name", "")},
      {{"status", desired}}, true);
  if (!p) {
    ErrorCode c = p.error().code() == ErrorCode::kNotFound
                      ? ErrorCode::kNotFound
                      : ErrorCode::kUnavailable;
    return std::unexpected(Error(c, "writing status: " + p.error().message()));
  }
  return {};
}

}  // namespace sealsync::op
