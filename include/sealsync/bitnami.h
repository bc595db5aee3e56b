// Bitnami sealed-secrets values (what kubeseal writes), opened with RSA keys
// imported from a Bitnami controller, so a cluster can move to sealsync
// without re-sealing anything first (docs/migrating.md).
//
// Format (sealed-secrets pkg/crypto, v0.40.0): a fresh 32-byte session key
// is encrypted with RSA-OAEP (SHA-256, MGF1 SHA-256) under a label naming the
// scope: "NS/NAME" (strict), "NS" (namespace-wide) or "" (cluster-wide). The
// value is AES-256-GCM with that key, an all-zero nonce and no associated
// data. The stored value is standard base64 of
//   uint16 big-endian len(rsa) || rsa ciphertext || gcm ciphertext || tag.
//
// sealsync only opens these values: it never seals to a Bitnami key
// (SealForTest exists for tests and benchmarks).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "sealsync/error.h"
#include "sealsync/random.h"
#include "sealsync/sealing.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::bitnami {

// An RSA private key of a Bitnami controller (tls.key of its key Secret).
// Copies share the key. Thread-safe to use from several threads.
class PrivateKey {
 public:
  // PEM "RSA PRIVATE KEY" (PKCS #1) or "PRIVATE KEY" (PKCS #8), RSA only,
  // 2048 bits or more. kInvalidArgument otherwise; the message never echoes
  // the input.
  static Result<PrivateKey> FromPem(std::string_view pem);
  // "bitnami:" + the first 16 hex digits of SHA-256 over the public key's
  // DER (SubjectPublicKeyInfo): a stable, public name for the key.
  const std::string& key_id() const { return key_id_; }
  int bits() const;
  // The public key as PEM (what kubeseal --cert needs, minus the cert).
  std::string PublicPem() const;
  // The private key as PKCS #8 PEM. Treat the result as a secret.
  std::string PrivatePem() const;

  const void* evp() const { return pkey_.get(); }  // EVP_PKEY

 private:
  std::shared_ptr<void> pkey_;
  std::string key_id_;
};

// True if `value` is standard base64 of Bitnami's layout: a length prefix of
// 128 to 1024 bytes, that many RSA bytes, and at least a GCM tag after them.
// An age file or a "sodium:" value is never mistaken for one.
bool LooksLikeBitnami(std::string_view value);

// The OAEP label of a scope binding ("NS/NAME", "NS" or "").
std::string Label(const ScopeBinding& binding);

struct Opened {
  SecureBytes plaintext;
  std::string key_id;  // the key that opened it
};

// Opens `value` bound to `binding` with whichever of `keys` fits. Errors
// (never carrying plaintext), all naming it a Bitnami-format value:
//   kNotFound         no key opens the session key under this scope's label
//                     ("no imported Bitnami key matches"; a value sealed for
//                     another scope looks the same to RSA-OAEP, so the
//                     message says both)
//   kDataLoss         the session key opened but the payload is tampered
//   kInvalidArgument  not Bitnami's layout
Result<Opened> Open(std::string_view value, std::span<const PrivateKey> keys,
                    const ScopeBinding& binding);

// Seals as kubeseal does, to the public half of `key`. For tests and
// benchmarks only: the operator and sealctl never seal to Bitnami keys.
Result<std::string> SealForTest(ByteView plaintext, const PrivateKey& key,
                                const ScopeBinding& binding, Random& random);

}  // namespace sealsync::bitnami
