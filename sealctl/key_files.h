// Recipients and identities named on the command line, shared by the
// commands that seal (seal, reseal) and open (reseal -i).
#pragma once

#include <iosfwd>
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

// The identities of every identity file ("-": stdin), in order. The file
// text is wiped after parsing. Errors name the file.
Result<std::vector<X25519Identity>> IdentitiesFromFiles(
    const std::vector<std::string>& identity_files, std::istream& in);

}  // namespace sealsync::sealctl
