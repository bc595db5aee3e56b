// Checks sealctl makes on what it is about to seal or print, so that a bad
// Secret fails here, with the field named, instead of later in the cluster
// (or in the JSON writer). Messages name fields, never values.
#pragma once

#include "sealsync/api.h"
#include "sealsync/error.h"

namespace sealsync::sealctl {

// What the API server checks on the Secret a SealedSecret becomes, and the
// operator's type allow-list: `type` (api::ValidateSecretType: no
// service-account-token, no bootstrap token, nothing else of the
// kubernetes.io and k8s.io domains outside the allow-list) and every data key
// (api::ValidateSecretKey: [-._a-zA-Z0-9]+, at most 253, not "." or "..",
// not starting with ".."). kInvalidArgument "type: ..." or "data or
// stringData: key ..." (the two are merged by then, as the API server does).
// Then CheckUtf8(secret).
Result<void> CheckSecretToSeal(const api::Secret& secret);

// Every string of the object that sealctl prints (name, namespace, type,
// label and annotation keys and values, data keys) is UTF-8, so YAML and JSON
// output cannot fail half-way. kInvalidArgument "FIELD: not UTF-8", FIELD
// being e.g. metadata.labels.KEY with KEY in printable form
// (api::PrintableKey). Values of `data` are never checked: they are printed
// as base64 or sealed.
Result<void> CheckUtf8(const api::Secret& secret);
Result<void> CheckUtf8(const api::SealedSecret& sealed);

}  // namespace sealsync::sealctl
