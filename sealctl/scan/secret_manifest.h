// The plaintext-Secret rule: a Kubernetes `kind: Secret` manifest (YAML
// document, JSON object, or an item of a List) with a non-empty `data` or
// `stringData` value that is not a template placeholder. Sealed objects
// (SealedSecret) are a different kind and never match.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sealsync::sealctl::scan {

struct ManifestMatch {
  int line = 0;          // 1-based within the document text
  std::string excerpt;   // "kind: Secret NS/NAME (data: KEY, ...)"; no value
  std::string identity;  // NS/NAME and the keys: what the fingerprint covers
};

// Checks one YAML document or one JSON text. Text that does not parse, or
// has no Secret, yields nothing (the line rules still run on it).
std::vector<ManifestMatch> MatchSecretManifests(std::string_view document);

// Cheap test whether `document` can hold a Secret at all (before parsing).
bool MayHoldSecret(std::string_view document);

}  // namespace sealsync::sealctl::scan
