// Several objects in one input or output: YAML streams and `List`s, as
// kubectl reads and writes them. Shared by the commands that take streams.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "lib/api/manifest.h"

namespace sealsync::sealctl {

// The objects of parsed documents, a List's items in its place. *listed (if
// given) becomes true when there was not exactly one document, or a List.
std::vector<api::Json> ExpandLists(std::vector<api::Json> docs,
                                   bool* listed = nullptr);

// Writes rendered objects (each a whole YAML or JSON document): YAML joined
// by "---" lines, or JSON as one v1 List of them.
void PrintDocuments(std::ostream& out, const std::vector<std::string>& docs,
                    bool json);

}  // namespace sealsync::sealctl
