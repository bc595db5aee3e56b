// Sealed values: what goes into SealedSecret.spec.encryptedData. A value is
// either an age file (standard base64 of the binary file; armored input is
// accepted) or "sodium:" + a libsodium sealed box. Both are bound to a scope
// (docs/format.md):
//
//   age:    an extra MAC-covered stanza "-> sealsync.dev/scope strict NS/NAME"
//           ("namespace NS", "cluster"), plus one "-> sealsync.dev/kid HEX16"
//           hint stanza per recipient key;
//   sodium: "sodium:" [HEX16 ":"] base64(crypto_box_seal(
//           "sealsync.dev/scope strict NS/NAME" LF || value))
//
// A value with no scope binding (plain `age -r`, a bare sealed box) is only
// accepted where the expected scope is Cluster.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sealsync/age.h"
#include "sealsync/error.h"
#include "sealsync/random.h"
#include "sealsync/secure_bytes.h"

namespace sealsync {

enum class Scope { kStrict, kNamespace, kCluster };

// Parses "strict" / "namespace" / "cluster" (any case, as CRD enum values
// "Strict" / "Namespace" / "Cluster" too). nullopt otherwise.
std::optional<Scope> ParseScope(std::string_view text);
std::string_view ScopeName(Scope scope);  // "Strict", "Namespace", "Cluster"

// Where a value may be used.
struct ScopeBinding {
  Scope scope = Scope::kStrict;
  std::string ns;    // empty for kCluster
  std::string name;  // only for kStrict
  bool operator==(const ScopeBinding&) const = default;
  std::string ToString()
      const;  // "strict team-a/db", "namespace team-a", "cluster"
};

enum class SealFormat { kAge, kSodium };

// Seals `value` for every recipient, bound to `binding`. Returns the string
// for encryptedData. kInvalidArgument for an incomplete binding or no
// recipients; sodium takes exactly one recipient.
Result<std::string> SealValue(ByteView value,
                              std::span<const X25519Recipient> recipients,
                              const ScopeBinding& binding, SealFormat format,
                              Random& random);

// The age form of SealValue streamed as a binary age file (what `age -d`
// reads), not base64: for bulk data and files, in constant memory.
Result<void> SealAgeStream(const AgeReadFn& read, const AgeWriteFn& write,
                           std::span<const X25519Recipient> recipients,
                           const ScopeBinding& binding, Random& random);

struct UnsealedValue {
  SecureBytes plaintext;
  std::optional<ScopeBinding> binding;  // nullopt: the value had none
  std::string key_id;                   // the key that opened it
};

// Opens a sealed value with `keys`, trying the keys named by the value's hints
// first. If `expect` is set the value's binding must equal it (an unbound value
// only if expect->scope is kCluster). Errors (messages never carry plaintext):
//   kNotFound         no key of mine matches (names the value's key ids)
//   kPermissionDenied scope mismatch (names expected and found binding)
//   kDataLoss         matched but failed authentication (tampered)
//   kInvalidArgument  malformed value
Result<UnsealedValue> UnsealValue(std::string_view value,
                                  std::span<const X25519Identity> keys,
                                  const std::optional<ScopeBinding>& expect);

// Reads the scope binding from a verified age header's stanzas (AgeDecrypted::
// stanzas). nullopt if there is none; kInvalidArgument if malformed.
Result<std::optional<ScopeBinding>> ScopeOfStanzas(
    std::span<const Stanza> stanzas);

// Checks a found binding against the expected one (the rule above).
Result<void> CheckScope(const std::optional<ScopeBinding>& found,
                        const ScopeBinding& expect);

}  // namespace sealsync
