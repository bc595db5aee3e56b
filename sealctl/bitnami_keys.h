// Reading Bitnami sealed-secrets keys as users have them: the controller's
// key Secrets exported with kubectl (a List or one Secret, data.tls.key) or
// PEM files. Used by `keys import-bitnami` and `unseal --bitnami-key`.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "sealsync/bitnami.h"
#include "sealsync/error.h"

namespace sealsync::sealctl {

struct BitnamiKeyInput {
  bitnami::PrivateKey key;
  std::string from;  // "kube-system/sealed-secrets-keyabcde" or the file
};

// Every key in `path` ("-": `in`). Errors name the file and Secret, never
// key material.
Result<std::vector<BitnamiKeyInput>> ReadBitnamiKeyFile(const std::string& path,
                                                        std::istream& in);

// The keys alone.
Result<std::vector<bitnami::PrivateKey>> ReadBitnamiKeys(
    const std::string& path, std::istream& in);

}  // namespace sealsync::sealctl
