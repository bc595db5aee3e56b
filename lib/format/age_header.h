// Parsing and serialising of the age v1 text header (age-encryption.org/v1).
// No cryptography here: this layer only knows bytes and grammar. Byte layout
// (see docs/format.md):
//
//   "age-encryption.org/v1" LF
//   1*( "-> " type *(SP arg) LF  body-lines )   body: raw base64, 64 columns,
//                                                ends with a line < 64 chars
//   "--- " 43 base64 chars LF                    HMAC-SHA-256 of all bytes
//                                                up to and including "---"
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sealsync/age.h"
#include "sealsync/error.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::format {

inline constexpr std::string_view kAgeVersionLine = "age-encryption.org/v1";

using Stanza = sealsync::Stanza;  // defined in the public sealsync/age.h

struct Header {
  std::vector<Stanza> stanzas;
  std::array<uint8_t, 32> mac{};
};

// A parsed header and where it sits in the input.
struct ParsedHeader {
  Header header;
  size_t mac_input_size = 0;  // bytes covered by the MAC (up to "---")
  size_t size = 0;            // bytes of the whole header; payload follows
};

// Parses the header at the start of `file`. Strict: exact version line, LF
// only, non-empty VCHAR arguments, canonical unpadded base64 wrapped at
// exactly 64 columns, a 32-byte MAC. Returns kInvalidArgument with a message
// starting "header malformed:" on any deviation.
Result<ParsedHeader> ParseHeader(ByteView file);

// Serialises the stanzas followed by "---" (the MAC input, no trailing space).
std::string SerializeMacInput(const std::vector<Stanza>& stanzas);

// Serialises a complete header: MAC input, " ", base64 MAC, LF.
std::string SerializeHeader(const Header& header);

// True if `arg` is a valid stanza argument (1*VCHAR).
bool IsValidArgument(std::string_view arg);

}  // namespace sealsync::format
