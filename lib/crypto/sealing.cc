// SealValue / UnsealValue: the scope-bound value formats of docs/format.md.
#include "sealsync/sealing.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "lib/base/base64.h"
#include "lib/crypto/scope.h"
#include "lib/format/age_header.h"
#include "lib/format/armor.h"

namespace sealsync {
namespace {

constexpr std::string_view kSodiumPrefix = "sodium:";
constexpr std::string_view kSodiumHeader = "sealsync.dev/scope ";

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "none" : out;
}

std::vector<std::string> KeyIds(std::span<const X25519Identity> keys) {
  std::vector<std::string> out;
  for (const auto& k : keys) out.push_back(k.recipient().KeyId());
  return out;
}

// Orders keys so those named by `hints` come first.
std::vector<size_t> HintOrder(std::span<const X25519Identity> keys,
                              const std::vector<std::string>& hints) {
  std::vector<size_t> order;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (std::find(hints.begin(), hints.end(), keys[i].recipient().KeyId()) !=
        hints.end()) {
      order.push_back(i);
    }
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (std::find(order.begin(), order.end(), i) == order.end())
      order.push_back(i);
  }
  return order;
}

Error NoKey(const std::vector<std::string>& hints,
            std::span<const X25519Identity> keys) {
  return Error(ErrorCode::kNotFound,
               "no key of mine matches: value sealed for key ids [" +
                   Join(hints) + "], keys held [" + Join(KeyIds(keys)) + "]");
}

// The recipients and the extra stanzas (key id hints, then the scope) of an
// age-form value.
struct AgeParts {
  std::vector<const AgeRecipient*> recipients;
  std::vector<Stanza> extra;
};

AgeParts MakeAgeParts(std::span<const X25519Recipient> recipients,
                      const ScopeBinding& binding) {
  AgeParts p;
  for (const auto& r : recipients) {
    p.recipients.push_back(&r);
    p.extra.push_back({std::string(crypto::kKeyIdStanzaType), {r.KeyId()}, {}});
  }
  p.extra.push_back({std::string(crypto::kScopeStanzaType),
                     crypto::BindingArgs(binding),
                     {}});
  return p;
}

Result<Bytes> SealAge(ByteView value,
                      std::span<const X25519Recipient> recipients,
                      const ScopeBinding& binding, Random& random) {
  AgeParts p = MakeAgeParts(recipients, binding);
  return AgeEncrypt(value, p.recipients, random, p.extra);
}

Result<std::string> SealSodium(ByteView value, const X25519Recipient& recipient,
                               const ScopeBinding& binding) {
  std::string header(kSodiumHeader);
  auto args = crypto::BindingArgs(binding);
  for (size_t i = 0; i < args.size(); ++i) header += (i ? " " : "") + args[i];
  header += '\n';
  SecureBytes msg(header.begin(), header.end());
  msg.insert(msg.end(), value.begin(), value.end());
  Bytes box(msg.size() + crypto_box_SEALBYTES);
  crypto_box_seal(box.data(), msg.data(), msg.size(),
                  recipient.public_key().data());
  return std::string(kSodiumPrefix) + recipient.KeyId() + ":" +
         Base64Encode(box);
}

Result<UnsealedValue> UnsealAge(ByteView file,
                                std::span<const X25519Identity> keys,
                                const std::optional<ScopeBinding>& expect) {
  // Read the hints from the (not yet verified) header to order the keys; the
  // header is verified by AgeDecrypt before anything else is trusted.
  std::vector<std::string> hints;
  {
    Bytes dearmored;
    ByteView raw = file;
    if (format::LooksArmored(file)) {
      if (auto d = format::Dearmor(file)) {
        dearmored = std::move(*d);
        raw = dearmored;
      }
    }
    if (auto h = format::ParseHeader(raw)) {
      for (const Stanza& s : h->header.stanzas) {
        if (s.type == crypto::kKeyIdStanzaType && s.args.size() == 1) {
          hints.push_back(s.args[0]);
        }
      }
    }
  }
  std::vector<size_t> order = HintOrder(keys, hints);
  std::vector<const AgeIdentity*> ids;
  for (size_t i : order) ids.push_back(&keys[i]);
  auto dec = AgeDecrypt(file, ids);
  if (!dec) {
    if (dec.error().code() == ErrorCode::kNotFound)
      return std::unexpected(NoKey(hints, keys));
    return std::unexpected(dec.error());
  }
  UnsealedValue out;
  out.key_id = keys[order[dec->identity_index]].recipient().KeyId();
  auto binding = ScopeOfStanzas(dec->stanzas);
  if (!binding) return std::unexpected(binding.error());
  out.binding = *binding;
  if (expect) {
    if (auto ok = CheckScope(out.binding, *expect); !ok) {
      return std::unexpected(ok.error());
    }
  }
  out.plaintext = std::move(dec->plaintext);
  return out;
}

Result<UnsealedValue> UnsealSodium(std::string_view rest,
                                   std::span<const X25519Identity> keys,
                                   const std::optional<ScopeBinding>& expect) {
  std::vector<std::string> hints;
  size_t colon = rest.find(':');
  if (colon != std::string_view::npos) {
    hints.emplace_back(rest.substr(0, colon));
    rest = rest.substr(colon + 1);
  }
  auto box = Base64Decode(rest);
  if (!box || box->size() < crypto_box_SEALBYTES) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "malformed sealed value: sodium box is not valid base64 "
                     "or too short");
  }
  SecureBytes msg(box->size() - crypto_box_SEALBYTES);
  std::optional<size_t> opened;
  for (size_t i : HintOrder(keys, hints)) {
    if (crypto_box_seal_open(msg.data(), box->data(), box->size(),
                             keys[i].recipient().public_key().data(),
                             keys[i].secret_key()) == 0) {
      opened = i;
      break;
    }
  }
  if (!opened) {
    // A sealed box carries no key id of its own: if the hinted key is ours,
    // the box was altered; otherwise it is for someone else.
    for (const auto& h : hints) {
      for (const auto& id : KeyIds(keys)) {
        if (h == id) {
          return MakeError(ErrorCode::kDataLoss,
                           "sealed value failed authentication with key " + id +
                               " (tampered?)");
        }
      }
    }
    return std::unexpected(NoKey(hints, keys));
  }
  UnsealedValue out;
  out.key_id = keys[*opened].recipient().KeyId();
  std::string_view text = AsString(msg);
  size_t header_len = 0;
  if (text.starts_with(kSodiumHeader)) {
    size_t nl = text.find('\n');
    if (nl == std::string_view::npos) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "malformed sealed value: unterminated scope header");
    }
    std::vector<std::string> args;
    std::string_view line =
        text.substr(kSodiumHeader.size(), nl - kSodiumHeader.size());
    size_t p = 0;
    while (p <= line.size()) {
      size_t sp = line.find(' ', p);
      args.emplace_back(line.substr(p, sp - p));
      if (sp == std::string_view::npos) break;
      p = sp + 1;
    }
    auto b = crypto::ParseBindingArgs(args);
    if (!b) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "malformed sealed value: bad scope header");
    }
    out.binding = *b;
    header_len = nl + 1;
  }
  if (expect) {
    if (auto ok = CheckScope(out.binding, *expect); !ok) {
      return std::unexpected(ok.error());
    }
  }
  out.plaintext.assign(msg.begin() + header_len, msg.end());
  return out;
}

}  // namespace

Result<std::optional<ScopeBinding>> ScopeOfStanzas(
    std::span<const Stanza> stanzas) {
  std::optional<ScopeBinding> found;
  for (const Stanza& s : stanzas) {
    if (s.type != crypto::kScopeStanzaType) continue;
    auto b = crypto::ParseBindingArgs(s.args);
    if (found || !b || !s.body.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "malformed sealed value: bad scope stanza");
    }
    found = *b;
  }
  return found;
}

Result<std::string> SealValue(ByteView value,
                              std::span<const X25519Recipient> recipients,
                              const ScopeBinding& binding, SealFormat format,
                              Random& random) {
  if (auto ok = crypto::ValidateBinding(binding); !ok) {
    return std::unexpected(ok.error());
  }
  if (recipients.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no recipients");
  }
  if (format == SealFormat::kSodium) {
    if (recipients.size() != 1) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "the sodium format takes exactly one recipient; use age "
                       "for several");
    }
    return SealSodium(value, recipients[0], binding);
  }
  auto file = SealAge(value, recipients, binding, random);
  if (!file) return std::unexpected(file.error());
  return Base64Encode(*file);
}

Result<void> SealAgeStream(const AgeReadFn& read, const AgeWriteFn& write,
                           std::span<const X25519Recipient> recipients,
                           const ScopeBinding& binding, Random& random) {
  if (auto ok = crypto::ValidateBinding(binding); !ok) return ok;
  AgeParts p = MakeAgeParts(recipients, binding);
  return AgeEncryptStream(read, write, p.recipients, random, p.extra);
}

Result<UnsealedValue> UnsealValue(std::string_view value,
                                  std::span<const X25519Identity> keys,
                                  const std::optional<ScopeBinding>& expect) {
  while (!value.empty() &&
         std::isspace(static_cast<unsigned char>(value.back()))) {
    value.remove_suffix(1);
  }
  while (!value.empty() &&
         std::isspace(static_cast<unsigned char>(value.front()))) {
    value.remove_prefix(1);
  }
  if (value.starts_with(kSodiumPrefix)) {
    return UnsealSodium(value.substr(kSodiumPrefix.size()), keys, expect);
  }
  if (format::LooksArmored(AsBytes(value))) {
    return UnsealAge(AsBytes(value), keys, expect);
  }
  auto file = Base64Decode(value);
  if (!file) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "malformed sealed value: neither base64 of an age file, "
                     "armored age, nor sodium:");
  }
  return UnsealAge(*file, keys, expect);
}

}  // namespace sealsync
