// The sealctl commands. Each takes its parsed options and the streams and
// returns an exit code; none calls exit().
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace sealsync::sealctl {

struct Streams {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

struct KeygenOptions {
  std::string output;  // empty: stdout
};
int Keygen(const KeygenOptions& opts, Streams io);

struct RecipientOptions {
  std::string identity_file;  // empty or "-": stdin
};
int PrintRecipient(const RecipientOptions& opts, Streams io);

struct SealOptions {
  std::string file;  // -f; empty: stdin
  std::string output_format = "yaml";
  std::vector<std::string> recipients;
  std::vector<std::string> recipients_files;
  std::string scope = "strict";
  std::string format = "age";
  bool raw = false;
  bool binary = false;  // with --raw: a binary age file instead of base64
  std::string ns;
  std::string name;
  std::string from_file;
};
int Seal(const SealOptions& opts, Streams io);

struct UnsealOptions {
  std::string file;  // -f; empty: stdin
  std::vector<std::string> identity_files;
  std::vector<std::string> passphrase_files;
  std::string output_format = "yaml";
  bool raw = false;
  std::string ns;
  std::string name;
  std::string scope;
};
int Unseal(const UnsealOptions& opts, Streams io);

}  // namespace sealsync::sealctl
