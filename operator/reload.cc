#include "operator/reload.h"

#include <re2/re2.h>

#include "lib/crypto/primitives.h"
#include "sealsync/names.h"

namespace sealsync::op {
namespace {

bool IsSecretName(std::string_view s) {
  static const RE2 kName(
      "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  return !s.empty() && s.size() <= 253 &&
         RE2::FullMatch(re2::StringPiece(s.data(), s.size()), kName);
}

void Add(std::set<std::string>& out, const kube::Json& name) {
  if (name.is_string() && IsSecretName(name.get<std::string>()))
    out.insert(name.get<std::string>());
}

// The Secrets one container references.
void FromContainer(const kube::Json& c, std::set<std::string>& out) {
  if (!c.is_object()) return;
  for (const auto& e : c.value("env", kube::Json::array())) {
    if (!e.is_object()) continue;
    const auto vf = e.value("valueFrom", kube::Json::object());
    if (vf.is_object() && vf.contains("secretKeyRef") &&
        vf["secretKeyRef"].is_object())
      Add(out, vf["secretKeyRef"].value("name", kube::Json()));
  }
  for (const auto& e : c.value("envFrom", kube::Json::array())) {
    if (e.is_object() && e.contains("secretRef") && e["secretRef"].is_object())
      Add(out, e["secretRef"].value("name", kube::Json()));
  }
}

std::set<std::string> Referenced(const kube::Json& workload) {
  std::set<std::string> out;
  const kube::Json none = kube::Json::object();
  const kube::Json& spec =
      workload.value("spec", none).is_object() ? workload["spec"] : none;
  const kube::Json tmpl = spec.value("template", none);
  const kube::Json pod = tmpl.is_object() ? tmpl.value("spec", none) : none;
  if (!pod.is_object()) return out;
  for (const char* list : {"containers", "initContainers"}) {
    auto cs = pod.value(list, kube::Json::array());
    if (!cs.is_array()) continue;
    for (const auto& c : cs) FromContainer(c, out);
  }
  auto volumes = pod.value("volumes", kube::Json::array());
  if (!volumes.is_array()) return out;
  for (const auto& v : volumes) {
    if (!v.is_object()) continue;
    if (v.contains("secret") && v["secret"].is_object())
      Add(out, v["secret"].value("secretName", kube::Json()));
    if (v.contains("projected") && v["projected"].is_object()) {
      auto sources = v["projected"].value("sources", kube::Json::array());
      if (!sources.is_array()) continue;
      for (const auto& s : sources)
        if (s.is_object() && s.contains("secret") && s["secret"].is_object())
          Add(out, s["secret"].value("name", kube::Json()));
    }
  }
  return out;
}

void AppendLengthPrefixed(std::string& out, std::string_view s) {
  uint64_t n = s.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(n >> (8 * i)));
  out.append(s);
}

}  // namespace

std::optional<std::set<std::string>> ReloadTargets(const kube::Json& workload) {
  auto meta = workload.value("metadata", kube::Json::object());
  auto ann = meta.is_object() ? meta.value("annotations", kube::Json::object())
                              : kube::Json::object();
  if (!ann.is_object()) return std::nullopt;
  auto it = ann.find(std::string(names::kReloadAnnotation));
  if (it == ann.end() || !it->is_string()) return std::nullopt;
  std::string v = it->get<std::string>();
  if (v.empty() || v == "false") return std::nullopt;
  if (v == "true") return Referenced(workload);
  std::set<std::string> out;
  size_t pos = 0;
  while (pos <= v.size()) {
    size_t comma = v.find(',', pos);
    std::string name = v.substr(
        pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t b = name.find_first_not_of(" \t");
    size_t e = name.find_last_not_of(" \t");
    if (b != std::string::npos) name = name.substr(b, e - b + 1);
    if (IsSecretName(name)) out.insert(name);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

std::string DataFingerprint(const kube::Json& secret, ByteView key) {
  std::string input;
  auto data = secret.value("data", kube::Json::object());
  if (data.is_object()) {
    std::map<std::string, std::string> sorted;
    for (const auto& [k, v] : data.items())
      if (v.is_string()) sorted[k] = v.get<std::string>();
    for (const auto& [k, v] : sorted) {
      AppendLengthPrefixed(input, k);
      AppendLengthPrefixed(input, v);
    }
  }
  uint8_t mac[32];
  crypto::HmacSha256(
      key,
      ByteView(reinterpret_cast<const uint8_t*>(input.data()), input.size()),
      mac);
  SecureWipe(input.data(), input.size());
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 8; ++i) {
    hex.push_back(kHex[mac[i] >> 4]);
    hex.push_back(kHex[mac[i] & 15]);
  }
  return hex;
}

Fingerprints ParseObserved(std::string_view text) {
  Fingerprints out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t comma = text.find(',', pos);
    std::string_view entry = text.substr(pos, comma == std::string_view::npos
                                                  ? std::string_view::npos
                                                  : comma - pos);
    size_t eq = entry.find('=');
    if (eq != std::string_view::npos && eq > 0 &&
        IsSecretName(entry.substr(0, eq)) && entry.size() - eq - 1 == 16)
      out[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

std::string FormatObserved(const Fingerprints& f) {
  std::string out;
  for (const auto& [name, fp] : f) {
    if (!out.empty()) out.push_back(',');
    out += name + "=" + fp;
  }
  return out;
}

std::set<std::string> ChangedSecrets(const Fingerprints& observed,
                                     const Fingerprints& current) {
  std::set<std::string> out;
  for (const auto& [name, fp] : current) {
    auto it = observed.find(name);
    if (it != observed.end() && it->second != fp) out.insert(name);
  }
  return out;
}

}  // namespace sealsync::op
