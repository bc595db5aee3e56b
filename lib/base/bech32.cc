#include "lib/base/bech32.h"

#include <cctype>
#include <cstdint>
#include <vector>

namespace sealsync {
namespace {

constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

uint32_t Polymod(const std::vector<uint8_t>& values) {
  static constexpr uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa,
                                       0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint8_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i) {
      if ((top >> i) & 1) chk ^= kGen[i];
    }
  }
  return chk;
}

std::vector<uint8_t> HrpExpand(std::string_view hrp) {
  std::vector<uint8_t> r;
  for (char c : hrp) r.push_back(static_cast<uint8_t>(c) >> 5);
  r.push_back(0);
  for (char c : hrp) r.push_back(static_cast<uint8_t>(c) & 31);
  return r;
}

// Regroups bits; `pad` adds zero bits when encoding. Returns false when the
// input has leftover non-zero or over-long padding (decoding).
template <typename Out>
bool ConvertBits(const uint8_t* in, size_t n, int from, int to, bool pad,
                 Out& out) {
  uint32_t acc = 0;
  int bits = 0;
  const uint32_t maxv = (1u << to) - 1;
  for (size_t i = 0; i < n; ++i) {
    acc = (acc << from) | in[i];
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push_back((acc >> bits) & maxv);
    }
  }
  if (pad) {
    if (bits > 0) out.push_back((acc << (to - bits)) & maxv);
  } else if (bits >= from || ((acc << (to - bits)) & maxv) != 0) {
    return false;
  }
  return true;
}

}  // namespace

std::string Bech32Encode(std::string_view hrp_in, ByteView data, bool upper) {
  std::string hrp;
  for (char c : hrp_in) hrp += static_cast<char>(std::tolower(c));
  std::vector<uint8_t> values;
  ConvertBits(data.data(), data.size(), 8, 5, true, values);
  std::vector<uint8_t> chk_in = HrpExpand(hrp);
  chk_in.insert(chk_in.end(), values.begin(), values.end());
  chk_in.insert(chk_in.end(), 6, 0);
  uint32_t mod = Polymod(chk_in) ^ 1;
  for (int i = 0; i < 6; ++i) values.push_back((mod >> (5 * (5 - i))) & 31);
  std::string out = hrp + "1";
  for (uint8_t v : values) out += kCharset[v];
  if (upper) {
    for (char& c : out) c = static_cast<char>(std::toupper(c));
  }
  SecureWipe(values.data(), values.size());
  return out;
}

std::optional<Bech32Data> Bech32Decode(std::string_view text) {
  bool lower = false, upper = false;
  for (char c : text) {
    if (c < 33 || c > 126) return std::nullopt;
    if (std::islower(c)) lower = true;
    if (std::isupper(c)) upper = true;
  }
  if (lower && upper) return std::nullopt;
  size_t pos = text.rfind('1');
  if (pos == std::string_view::npos || pos < 1 || pos + 7 > text.size()) {
    return std::nullopt;
  }
  std::string hrp;
  for (char c : text.substr(0, pos)) {
    hrp += static_cast<char>(std::tolower(c));
  }
  std::vector<uint8_t> values;
  for (char c : text.substr(pos + 1)) {
    char lc = static_cast<char>(std::tolower(c));
    const char* p = std::char_traits<char>::find(kCharset, 32, lc);
    if (p == nullptr) return std::nullopt;
    values.push_back(static_cast<uint8_t>(p - kCharset));
  }
  std::vector<uint8_t> chk_in = HrpExpand(hrp);
  chk_in.insert(chk_in.end(), values.begin(), values.end());
  bool ok = Polymod(chk_in) == 1;
  SecureWipe(chk_in.data(), chk_in.size());
  if (!ok) return std::nullopt;
  Bech32Data out;
  out.hrp = hrp;
  bool bits_ok =
      ConvertBits(values.data(), values.size() - 6, 5, 8, false, out.data);
  SecureWipe(values.data(), values.size());
  if (!bits_ok) return std::nullopt;
  return out;
}

}  // namespace sealsync
