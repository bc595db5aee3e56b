// Recipients, identities and passphrases named on the command line, shared by
// the commands that seal (seal, reseal) and open (unseal, reseal -i).
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "sealsync/age.h"
#include "sealsync/error.h"

namespace sealsync::sealctl {

// The recipients of --recipient flags, then of --recipients-file files
// ("-": stdin), in order. kInvalidArgument naming the flag or file for a bad
// entry, and when they yield no recipient at all.
Result<std::vector<X25519Recipient>> RecipientsFromFlags(
    const std::vector<std::string>& recipients,
    const std::vector<std::string>& recipients_files, std::istream& in);

using Passphrases = std::vector<std::unique_ptr<ScryptIdentity>>;

// One passphrase per --passphrase-file file ("-": stdin): the file's text
// without its trailing newline (as age reads a passphrase). The text is
// wiped once read. Errors name the file.
Result<Passphrases> PassphrasesFromFiles(const std::vector<std::string>& files,
                                         std::istream& in);

// The identities of every identity file ("-": stdin), in order. The file
// text is wiped after parsing. Errors name the file.
//
// An identity file may itself be an age file encrypted with a passphrase
// (`age -p`, age's "encrypted identity file"; binary or armored), whose
// plaintext is the identity file. It is opened with `passphrases`:
//   kUnauthenticated    "wrong passphrase for identity file PATH"
//   kInvalidArgument    "identity file PATH is encrypted with a passphrase:
//                       pass --passphrase-file FILE" (no passphrase given),
//                       or encrypted to something else than a passphrase
//   others              "identity file PATH: ..." as AgeDecrypt says (header
//                       MAC failed, payload corrupt, work factor too high)
Result<std::vector<X25519Identity>> IdentitiesFromFiles(
    const std::vector<std::string>& identity_files,
    const Passphrases& passphrases, std::istream& in);

}  // namespace sealsync::sealctl
