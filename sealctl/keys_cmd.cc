// sealctl keygen / sealctl recipient.
#include <ctime>
#include <iostream>

#include "sealctl/commands.h"
#include "sealctl/io.h"
#include "sealsync/age.h"

namespace sealsync::sealctl {

int Keygen(const KeygenOptions& opts, Streams io) {
  X25519Identity id = X25519Identity::Generate(SystemRandom());
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char created[32];
  std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string file = FormatIdentityFile(id, created);
  Result<void> ok;
  if (opts.output.empty() || opts.output == "-") {
    io.out << file;
    // The key must be out before "Public key:" claims there is one.
    ok = FlushOutput(io.out);
  } else {
    ok = WriteNewPrivateFile(opts.output, file);
  }
  SecureWipe(file.data(), file.size());
  if (!ok) return Fail(io.err, ok.error());
  io.err << "Public key: " << id.recipient().ToString() << "\n";
  return 0;
}

int PrintRecipient(const RecipientOptions& opts, Streams io) {
  auto text = ReadInput(opts.identity_file, io.in);
  if (!text) return Fail(io.err, text.error());
  auto ids = ParseIdentityFile(*text);
  SecureWipe(text->data(), text->size());
  if (!ids) return Fail(io.err, ids.error().Wrap("reading identities"));
  for (const auto& id : *ids) io.out << id.recipient().ToString() << "\n";
  return 0;
}

}  // namespace sealsync::sealctl
