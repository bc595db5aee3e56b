#include "sealsync/bitnami.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstring>

#include "lib/base/base64.h"

namespace sealsync::bitnami {
namespace {

constexpr size_t kSessionKeySize = 32;
constexpr size_t kGcmTagSize = 16;
constexpr size_t kGcmNonceSize = 12;

EVP_PKEY* Pkey(const PrivateKey& k) {
  return static_cast<EVP_PKEY*>(const_cast<void*>(k.evp()));
}

std::string Hex(const uint8_t* p, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 0xf];
  }
  return out;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

// One EVP_PKEY_CTX for OAEP with SHA-256 and `label`, set up for encrypt or
// decrypt; nullptr on failure.
using CtxPtr = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
CtxPtr OaepContext(EVP_PKEY* pkey, const std::string& label, bool decrypt) {
  CtxPtr ctx(EVP_PKEY_CTX_new(pkey, nullptr), &EVP_PKEY_CTX_free);
  if (!ctx) return ctx;
  bool ok =
      (decrypt ? EVP_PKEY_decrypt_init(ctx.get())
               : EVP_PKEY_encrypt_init(ctx.get())) > 0 &&
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) > 0 &&
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256()) > 0 &&
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) > 0;
  if (ok && !label.empty()) {
    // OpenSSL takes ownership of the label buffer.
    auto* copy = static_cast<unsigned char*>(OPENSSL_malloc(label.size()));
    ok = copy != nullptr;
    if (ok) {
      std::memcpy(copy, label.data(), label.size());
      ok = EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), copy,
                                            static_cast<int>(label.size())) > 0;
      if (!ok) OPENSSL_free(copy);
    }
  }
  if (!ok) ctx.reset();
  return ctx;
}

// AES-256-GCM with a zero nonce and no AAD. Decrypt checks the tag.
bool Gcm(bool decrypt, const uint8_t key[kSessionKeySize], ByteView in,
         uint8_t* out) {
  uint8_t scratch[kGcmTagSize];
  if (out == nullptr) out = scratch;  // an empty value: nothing is written
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(
      EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  const uint8_t nonce[kGcmNonceSize] = {};
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key,
                                nonce, decrypt ? 0 : 1) != 1)
    return false;
  size_t body = decrypt ? in.size() - kGcmTagSize : in.size();
  int n = 0;
  if (body > 0 && EVP_CipherUpdate(ctx.get(), out, &n, in.data(),
                                   static_cast<int>(body)) != 1)
    return false;
  if (decrypt &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagSize,
                          const_cast<uint8_t*>(in.data() + body)) != 1)
    return false;
  int tail = 0;
  if (EVP_CipherFinal_ex(ctx.get(), out + n, &tail) != 1) return false;
  if (!decrypt && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG,
                                      kGcmTagSize, out + body) != 1)
    return false;
  return true;
}

// The layout of a decoded value: the RSA part and the GCM part.
struct Parts {
  ByteView rsa, gcm;
};
std::optional<Parts> Split(const Bytes& raw) {
  if (raw.size() < 2) return std::nullopt;
  size_t n = (static_cast<size_t>(raw[0]) << 8) | raw[1];
  if (n < 128 || n > 1024 || raw.size() < 2 + n + kGcmTagSize)
    return std::nullopt;
  return Parts{ByteView(raw.data() + 2, n),
               ByteView(raw.data() + 2 + n, raw.size() - 2 - n)};
}

}  // namespace

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  EVP_PKEY* raw =
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
          : nullptr;
  if (raw == nullptr)
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a PEM private key (want an RSA PRIVATE KEY or "
                     "PRIVATE KEY block)");
  std::shared_ptr<void> pkey(
      raw, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
  if (EVP_PKEY_get_base_id(raw) != EVP_PKEY_RSA)
    return MakeError(ErrorCode::kInvalidArgument,
                     "not an RSA key (Bitnami keys are RSA)");
  if (EVP_PKEY_get_bits(raw) < 2048)
    return MakeError(ErrorCode::kInvalidArgument,
                     "RSA key shorter than 2048 bits");
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(raw, &der);
  if (len <= 0)
    return MakeError(ErrorCode::kInternal, "cannot encode the public key");
  unsigned char digest[32];
  unsigned int dlen = 0;
  EVP_Digest(der, static_cast<size_t>(len), digest, &dlen, EVP_sha256(),
             nullptr);
  OPENSSL_free(der);
  PrivateKey k;
  k.pkey_ = std::move(pkey);
  k.key_id_ = "bitnami:" + Hex(digest, 8);
  return k;
}

int PrivateKey::bits() const { return EVP_PKEY_get_bits(Pkey(*this)); }

std::string PrivateKey::PublicPem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()),
                                                &BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), Pkey(*this)) != 1) return "";
  return BioText(bio.get());
}

std::string PrivateKey::PrivatePem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()),
                                                &BIO_free);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), Pkey(*this), nullptr, nullptr,
                                       0, nullptr, nullptr) != 1)
    return "";
  return BioText(bio.get());
}

bool LooksLikeBitnami(std::string_view value) {
  if (value.starts_with("sodium:") || value.starts_with("-----")) return false;
  auto raw = Base64Decode(value);
  if (!raw) return false;
  if (raw->size() >= 4 && std::memcmp(raw->data(), "age-", 4) == 0)
    return false;
  return Split(*raw).has_value();
}

std::string Label(const ScopeBinding& binding) {
  switch (binding.scope) {
    case Scope::kStrict:
      return binding.ns + "/" + binding.name;
    case Scope::kNamespace:
      return binding.ns;
    case Scope::kCluster:
      return "";
  }
  return "";
}

Result<Opened> Open(std::string_view value, std::span<const PrivateKey> keys,
                    const ScopeBinding& binding) {
  auto raw = Base64Decode(value);
  std::optional<Parts> parts;
  if (raw) parts = Split(*raw);
  if (!parts)
    return MakeError(ErrorCode::kInvalidArgument,
                     "Bitnami-format value: malformed");
  const std::string label = Label(binding);
  for (const PrivateKey& key : keys) {
    CtxPtr ctx = OaepContext(Pkey(key), label, /*decrypt=*/true);
    if (!ctx) continue;
    SecureBytes session(static_cast<size_t>(EVP_PKEY_get_size(Pkey(key))));
    size_t n = session.size();
    if (EVP_PKEY_decrypt(ctx.get(), session.data(), &n, parts->rsa.data(),
                         parts->rsa.size()) != 1 ||
        n != kSessionKeySize)
      continue;  // another key, or another scope's label
    Opened out;
    out.key_id = key.key_id();
    out.plaintext.resize(parts->gcm.size() - kGcmTagSize);
    if (!Gcm(/*decrypt=*/true, session.data(), parts->gcm,
             out.plaintext.data())) {
      return MakeError(ErrorCode::kDataLoss,
                       "Bitnami-format value: opened with key " + key.key_id() +
                           " but its payload is tampered");
    }
    return out;
  }
  return MakeError(ErrorCode::kNotFound,
                   "Bitnami-format value: no imported Bitnami key matches (" +
                       std::to_string(keys.size()) +
                       " imported; a value sealed for another scope than " +
                       binding.ToString() + " fails the same way)");
}

Result<std::string> SealForTest(ByteView plaintext, const PrivateKey& key,
                                const ScopeBinding& binding, Random& random) {
  uint8_t session[kSessionKeySize];
  random.Fill(session);
  CtxPtr ctx = OaepContext(Pkey(key), Label(binding), /*decrypt=*/false);
  if (!ctx) return MakeError(ErrorCode::kInternal, "OAEP setup failed");
  size_t n = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &n, session, sizeof session) != 1)
    return MakeError(ErrorCode::kInternal, "OAEP failed");
  Bytes out(2 + n + plaintext.size() + kGcmTagSize);
  if (EVP_PKEY_encrypt(ctx.get(), out.data() + 2, &n, session,
                       sizeof session) != 1)
    return MakeError(ErrorCode::kInternal, "OAEP failed");
  out[0] = static_cast<uint8_t>(n >> 8);
  out[1] = static_cast<uint8_t>(n & 0xff);
  out.resize(2 + n + plaintext.size() + kGcmTagSize);
  if (!Gcm(/*decrypt=*/false, session, plaintext, out.data() + 2 + n))
    return MakeError(ErrorCode::kInternal, "AES-GCM failed");
  SecureWipe(session, sizeof session);
  return Base64Encode(ByteView(out.data(), out.size()));
}

}  // namespace sealsync::bitnami
