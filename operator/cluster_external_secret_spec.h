// ClusterExternalSecret (ESO's, under sealsync.dev): one cluster-scoped
// object that provisions the same ExternalSecret in every namespace its
// selectors match. This file parses its spec (errors name the field), the
// label selectors and their matching, and renders the ExternalSecret one
// namespace gets. Pure functions.
//
// Bounds (a selector or list past them is refused naming the field): at
// most kMaxNamespaceSelectors selectors, kMaxSelectorTerms matchLabels and
// kMaxSelectorTerms matchExpressions each, kMaxSelectorValues values per
// expression, kMaxNamespaceNames names in spec.namespaces.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sealsync/kube.h"

namespace sealsync::op {

inline const kube::Resource kClusterExternalSecrets{
    "sealsync.dev", "v1alpha1", "clusterexternalsecrets", false};

inline constexpr size_t kMaxNamespaceSelectors = 16;
inline constexpr size_t kMaxSelectorTerms = 32;
inline constexpr size_t kMaxSelectorValues = 64;
inline constexpr size_t kMaxNamespaceNames = 1000;

// One matchExpressions entry (Kubernetes LabelSelectorRequirement).
struct SelectorRequirement {
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist };
  std::string key;
  Op op = Op::kExists;
  std::vector<std::string> values;
};

// A Kubernetes label selector: every matchLabels pair and every expression
// must hold (AND). An empty selector matches every namespace, as
// metav1.LabelSelectorAsSelector does.
struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<SelectorRequirement> match_expressions;
};

// Parses `j` (a LabelSelector object) found at `field`. kInvalidArgument
// naming the field: an unknown operator, In/NotIn without values,
// Exists/DoesNotExist with values, a key or value that is not a valid label
// key or value, or more terms than the bounds above.
Result<LabelSelector> ParseLabelSelector(const kube::Json& j,
                                         const std::string& field);
bool Matches(const LabelSelector& selector,
             const std::map<std::string, std::string>& labels);

struct ClusterExternalSecretSpec {
  std::string name, uid;
  int64_t generation = 0;
  // spec.externalSecretName; default: the ClusterExternalSecret's name.
  std::string external_secret_name;
  // spec.externalSecretMetadata.
  std::map<std::string, std::string> labels, annotations;
  // spec.namespaceSelectors, plus the deprecated spec.namespaceSelector
  // (ORed: a namespace matching any selector is selected).
  std::vector<LabelSelector> selectors;
  // spec.namespaces: selected by name as well (ORed with the selectors).
  std::set<std::string> namespaces;
  // spec.externalSecretSpec as written (already checked with
  // ParseExternalSecret): the spec of every ExternalSecret provisioned.
  kube::Json external_secret_spec;
  // spec.refreshTime: how often to look again without an event (default 1m).
  std::chrono::milliseconds refresh{std::chrono::minutes(1)};
};

// kInvalidArgument "ClusterExternalSecret NAME: spec.FIELD: why" for a bad
// selector, name, duration or ExternalSecret spec (its errors are named
// under spec.externalSecretSpec).
Result<ClusterExternalSecretSpec> ParseClusterExternalSecret(
    const kube::Json& obj);

// True when the Namespace object `ns` is selected by `spec`.
bool SelectsNamespace(const ClusterExternalSecretSpec& spec,
                      const kube::Json& ns);

// The ExternalSecret `spec` provisions in namespace `ns`: its name, the
// metadata labels and annotations (plus kClusterExternalSecretLabel when the
// name fits a label value), the controller ownerReference to the
// ClusterExternalSecret (so garbage collection removes it with its owner),
// and the spec.
kube::Json RenderChild(const ClusterExternalSecretSpec& spec,
                       const std::string& ns);

// True when `obj`'s controller ownerReference is the object with `uid`.
bool ControlledBy(const kube::Json& obj, const std::string& uid);

// The defaults the ExternalSecret CRD (crds/sealsync.dev_externalsecrets.yaml)
// gives spec fields, by field name. A unit test checks it against the CRD:
// a default added there and missed here would make every child look changed.
const std::map<std::string, std::string>& ExternalSecretSpecDefaults();

// True when the observed ExternalSecret `observed` already has `desired`'s
// spec (the API server's defaults count as equal to an absent field) and
// carries every label and annotation `desired` sets.
bool ChildUpToDate(const kube::Json& observed, const kube::Json& desired);

}  // namespace sealsync::op
