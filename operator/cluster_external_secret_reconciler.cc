#include "operator/cluster_external_secret_reconciler.h"

#include <algorithm>

#include "operator/external_secret_spec.h"
#include "operator/reasons.h"
#include "operator/status.h"

namespace sealsync::op {
namespace {

using kube::Json;
using namespace std::chrono_literals;

// A failed namespace's reason and a condition message stay short: an API
// error is cut, a long list of namespaces is counted.
constexpr size_t kMaxReasonLength = 512;
constexpr size_t kNamespacesNamed = 5;

std::string Cut(std::string s) {
  if (s.size() > kMaxReasonLength) s = s.substr(0, kMaxReasonLength) + "...";
  return s;
}

std::string NameOf(const Json& obj, const char* field) {
  return obj.value("metadata", Json::object()).value(field, "");
}

std::string NotOurs(const ClusterExternalSecretSpec& c, const std::string& ns) {
  return "ExternalSecret " + ns + "/" + c.external_secret_name +
         " exists and is not owned by ClusterExternalSecret " + c.name +
         ": left as it is (remove or rename it, or change "
         "spec.externalSecretName)";
}

// "a, b, c and 4 more"
std::string NameList(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < kNamespacesNamed; ++i)
    out += (i ? ", " : "") + names[i];
  if (names.size() > kNamespacesNamed)
    out += " and " + std::to_string(names.size() - kNamespacesNamed) + " more";
  return out;
}

}  // namespace

FanOutPlan PlanFanOut(const ClusterExternalSecretSpec& c,
                      const std::vector<kube::ObjectPtr>& namespaces,
                      const std::vector<kube::ObjectPtr>& external_secrets,
                      const std::set<std::string>& allowed) {
  FanOutPlan plan;
  std::set<std::string> selected, going;
  for (const auto& ns : namespaces) {
    std::string name = NameOf(*ns, "name");
    if (!allowed.empty() && !allowed.contains(name)) continue;
    if (ns->value("status", Json::object()).value("phase", "") ==
        "Terminating") {
      going.insert(name);
      continue;
    }
    if (SelectsNamespace(c, *ns)) selected.insert(name);
  }
  plan.selected = selected.size();
  // Past the limit (by name order): neither provisioned nor cleaned.
  std::set<std::string> beyond;
  while (selected.size() > kMaxProvisionedNamespaces) {
    beyond.insert(*selected.rbegin());
    selected.erase(std::prev(selected.end()));
  }
  std::map<std::string, kube::ObjectPtr> existing;  // ns -> ES of that name
  for (const auto& es : external_secrets) {
    std::string ns = NameOf(*es, "namespace");
    bool ours = ControlledBy(*es, c.uid);
    if (NameOf(*es, "name") == c.external_secret_name) existing[ns] = es;
    // Ours and no longer wanted: its namespace stopped matching, or
    // externalSecretName changed.
    if (ours && !going.contains(ns) && !beyond.contains(ns) &&
        (!selected.contains(ns) ||
         NameOf(*es, "name") != c.external_secret_name))
      plan.deletes.push_back(*es);
  }
  for (const std::string& ns : selected) {
    Json desired = RenderChild(c, ns);
    auto it = existing.find(ns);
    if (it == existing.end()) {
      plan.creates.push_back(std::move(desired));
    } else if (!ControlledBy(*it->second, c.uid)) {
      plan.failed[ns] = NotOurs(c, ns);
    } else if (ChildUpToDate(*it->second, desired)) {
      plan.in_place.push_back(ns);
    } else {
      Json updated = *it->second;
      updated.erase("status");
      updated["metadata"].erase("managedFields");
      updated["spec"] = desired["spec"];
      for (const char* m : {"labels", "annotations"}) {
        const Json wanted = desired["metadata"].value(m, Json::object());
        for (const auto& [k, v] : wanted.items()) updated["metadata"][m][k] = v;
      }
      plan.updates.push_back(std::move(updated));
    }
  }
  return plan;
}

struct ClusterExternalSecretReconciler::Outcome {
  std::set<std::string> provisioned;
  std::map<std::string, std::string> failed;
  bool transient = false;  // a transient API failure: retry with backoff
  bool stopped = false;
};

ClusterExternalSecretReconciler::ClusterExternalSecretReconciler(
    kube::Client& client, ClusterExternalCaches caches, const Clock& clock,
    std::set<std::string> allowed)
    : client_(client),
      caches_(caches),
      clock_(clock),
      allowed_(std::move(allowed)) {}

void ClusterExternalSecretReconciler::Write(std::stop_token stop,
                                            const ClusterExternalSecretSpec& c,
                                            const FanOutPlan& plan,
                                            Outcome& out) {
  out.failed = plan.failed;
  out.provisioned.insert(plan.in_place.begin(), plan.in_place.end());
  auto api_failure = [&](const std::string& ns, const std::string& what,
                         const Error& e) {
    out.failed[ns] = Cut("could not " + what + ": " + e.message());
    // A refusal (forbidden, invalid) waits for refreshTime; the rest backs
    // off.
    if (!IsTerminal(e)) out.transient = true;
  };
  for (const Json& child : plan.creates) {
    if (stop.stop_requested()) return void(out.stopped = true);
    std::string ns = NameOf(child, "namespace");
    auto made = client_.Create(kExternalSecrets, child);
    if (made) {
      out.provisioned.insert(ns);
      continue;
    }
    if (made.error().code() != ErrorCode::kAlreadyExists) {
      api_failure(ns, "create the ExternalSecret", made.error());
      continue;
    }
    // Not in the cache yet: ours (made by an earlier pass) or someone else's.
    auto seen = client_.Get(kExternalSecrets, {ns, NameOf(child, "name")});
    if (seen && ControlledBy(*seen, c.uid)) {
      out.provisioned.insert(ns);
    } else {
      out.failed[ns] = NotOurs(c, ns);
    }
  }
  for (const Json& child : plan.updates) {
    if (stop.stop_requested()) return void(out.stopped = true);
    std::string ns = NameOf(child, "namespace");
    // resourceVersion is the observed one: a replaced object is refused.
    auto u = client_.Update(kExternalSecrets, child);
    if (u) {
      out.provisioned.insert(ns);
    } else {
      api_failure(ns, "update the ExternalSecret", u.error());
    }
  }
  for (const Json& child : plan.deletes) {
    if (stop.stop_requested()) return void(out.stopped = true);
    std::string ns = NameOf(child, "namespace");
    auto d = client_.Delete(kExternalSecrets, {ns, NameOf(child, "name")},
                            {.precondition_uid = NameOf(child, "uid"),
                             .propagation_policy = "Background"});
    if (!d && d.error().code() != ErrorCode::kNotFound)
      api_failure(ns, "remove the ExternalSecret", d.error());
  }
}

Result<Action> ClusterExternalSecretReconciler::Finish(
    const Json& obj, const ClusterExternalSecretSpec& c, const FanOutPlan& plan,
    const Outcome& out) {
  std::vector<std::string> failed_names;
  Json failed = Json::array();
  for (const auto& [ns, why] : out.failed) {
    failed.push_back({{"namespace", ns}, {"reason", why}});
    failed_names.push_back(ns);
  }
  std::string_view reason = reasons::kProvisioned;
  std::string message = "ExternalSecret " + c.external_secret_name + " in " +
                        std::to_string(out.provisioned.size()) + " namespace" +
                        (out.provisioned.size() == 1 ? "" : "s");
  std::optional<Error> error;
  if (plan.selected > kMaxProvisionedNamespaces) {
    reason = reasons::kTooManyNamespaces;
    message = std::to_string(plan.selected) +
              " namespaces match; one ClusterExternalSecret provisions at "
              "most " +
              std::to_string(kMaxProvisionedNamespaces) +
              " (the first by name): narrow spec.namespaceSelectors";
    error = Error(ErrorCode::kResourceExhausted, message);
  } else if (!out.failed.empty()) {
    reason = reasons::kNamespacesFailed;
    message = std::to_string(out.failed.size()) + " of " +
              std::to_string(out.failed.size() + out.provisioned.size()) +
              " namespaces failed (status.failedNamespaces says why): " +
              NameList(failed_names);
    error = Error(out.transient ? ErrorCode::kUnavailable
                                : ErrorCode::kFailedPrecondition,
                  message);
  }
  Json old = obj.value("status", Json::object());
  Json desired = {
      {"observedGeneration", c.generation},
      {"externalSecretName", c.external_secret_name},
      {"provisionedNamespaces",
       Json(std::vector<std::string>(out.provisioned.begin(),
                                     out.provisioned.end()))},
      {"failedNamespaces", failed},
      {"conditions", Json::array({ReadyCondition(old, !error, reason, message,
                                                 c.generation, clock_)})}};
  if (auto s =
          WriteStatusIfChanged(client_, kClusterExternalSecrets, obj, desired);
      !s)
    return std::unexpected(s.error());
  if (!error) return Action::RequeueAfter(c.refresh);
  Error e = error->WithReason(reason);
  if (out.transient) return std::unexpected(e);
  return Action::Degraded(e, c.refresh);
}

Result<Action> ClusterExternalSecretReconciler::Reconcile(
    std::stop_token stop, const Request& request) {
  kube::ObjectPtr obj =
      caches_.cluster_external_secrets.Get(request.StoreKey());
  // Gone or going: garbage collection removes what it owned.
  if (!obj || (*obj)["metadata"].contains("deletionTimestamp"))
    return Action::AwaitChange();
  auto spec = ParseClusterExternalSecret(*obj);
  if (!spec) {
    // Nothing is written or removed; status says why.
    std::string uid = NameOf(*obj, "uid");
    std::set<std::string> kept;
    for (const auto& es : caches_.external_secrets.List())
      if (ControlledBy(*es, uid)) kept.insert(NameOf(*es, "namespace"));
    int64_t gen = (*obj)["metadata"].value("generation", int64_t{0});
    Json desired = {
        {"observedGeneration", gen},
        {"provisionedNamespaces",
         Json(std::vector<std::string>(kept.begin(), kept.end()))},
        {"failedNamespaces", Json::array()},
        {"conditions",
         Json::array({ReadyCondition(obj->value("status", Json::object()),
                                     false, reasons::kInvalidSpec,
                                     spec.error().message(), gen, clock_)})}};
    if (auto s = WriteStatusIfChanged(client_, kClusterExternalSecrets, *obj,
                                      desired);
        !s)
      return std::unexpected(s.error());
    return std::unexpected(spec.error().WithReason(reasons::kInvalidSpec));
  }
  FanOutPlan plan = PlanFanOut(*spec, caches_.namespaces.List(),
                               caches_.external_secrets.List(), allowed_);
  Outcome out;
  Write(stop, *spec, plan, out);
  if (out.stopped) return Action::RequeueAfter(1s);
  return Finish(*obj, *spec, plan, out);
}

}  // namespace sealsync::op
