// filterPEM: the blocks of one type, re-encoded as Go's encoding/pem does;
// junk refused without quoting it; hostile input stays linear.
#include "operator/pem_filter.h"

#include <gtest/gtest.h>

#include "lib/base/base64.h"

namespace sealsync::op {
namespace {

// n bytes of a fixed pattern, base64: `width` characters per line.
std::string Body(size_t n, uint8_t seed, size_t width) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
  std::string text = Base64Encode(b), out;
  for (size_t i = 0; i < text.size(); i += width)
    out += text.substr(i, width) + "\n";
  return out;
}

std::string Pem(const std::string& type, const std::string& body) {
  return "-----BEGIN " + type + "-----\n" + body + "-----END " + type +
         "-----\n";
}

TEST(FilterPem, KeepsTheBlocksOfOneTypeInOrder) {
  std::string cert1 = Pem("CERTIFICATE", Body(100, 1, 64));
  std::string key = Pem("PRIVATE KEY", Body(120, 9, 64));
  std::string cert2 = Pem("CERTIFICATE", Body(48, 3, 64));
  std::string bundle = key + cert1 + cert2;
  EXPECT_EQ(FilterPem("CERTIFICATE", bundle).value_or("<error>"),
            cert1 + cert2);
  EXPECT_EQ(FilterPem("PRIVATE KEY", bundle).value_or("<error>"), key);
  // The type is matched ignoring case; the block keeps its own spelling.
  EXPECT_EQ(FilterPem("private key", bundle).value_or("<error>"), key);
  // Nothing of that type among well-formed blocks: empty, no error.
  EXPECT_EQ(FilterPem("PUBLIC KEY", bundle).value_or("<error>"), "");
  EXPECT_EQ(FilterPem("CERTIFICATE", "").value_or("<error>"), "");
}

TEST(FilterPem, ReencodesAsGoWritesPem) {
  // 76-column lines, CRLF, trailing spaces, text around the blocks: the
  // result has 64-column lines and "\n" only, as Go's pem.Encode.
  std::string wide = Body(200, 5, 76);
  std::string crlf;
  for (char c : wide)
    crlf += c == '\n' ? std::string(" \r\n") : std::string(1, c);
  std::string input = "subject=CN example\n-----BEGIN CERTIFICATE-----\r\n" +
                      crlf + "-----END CERTIFICATE-----\r\ntrailing words\n";
  EXPECT_EQ(FilterPem("CERTIFICATE", input).value_or("<error>"),
            Pem("CERTIFICATE", Body(200, 5, 64)));
  // Headers: Proc-Type first, the others sorted, then a blank line.
  std::string legacy =
      "-----BEGIN RSA PRIVATE KEY-----\nDEK-Info: AES-128-CBC,00FF\n"
      "Proc-Type: 4,ENCRYPTED\n\n" +
      Body(64, 2, 64) + "-----END RSA PRIVATE KEY-----\n";
  EXPECT_EQ(FilterPem("RSA PRIVATE KEY", legacy).value_or("<error>"),
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
            "DEK-Info: AES-128-CBC,00FF\n\n" +
                Body(64, 2, 64) + "-----END RSA PRIVATE KEY-----\n");
}

TEST(FilterPem, ABlockThatDoesNotParseIsSkipped) {
  std::string good = Pem("CERTIFICATE", Body(90, 4, 64));
  std::string input =
      "-----BEGIN CERTIFICATE-----\n!!not base64!!\n"
      "-----END CERTIFICATE-----\n" +
      std::string("-----BEGIN CERTIFICATE-----\nAAAA\n") +
      "-----END PRIVATE KEY-----\n" + good;
  EXPECT_EQ(FilterPem("CERTIFICATE", input).value_or("<error>"), good);
}

TEST(FilterPem, JunkIsRefusedWithoutQuotingIt) {
  const std::string canary = "canary-pem-5be1 not a pem at all";
  for (const std::string& input :
       {canary, Pem("CERTIFICATE", Body(30, 1, 64)) + canary}) {
    auto r = FilterPem("PRIVATE KEY", input);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message(), "filterPEM: found junk, not PEM blocks");
  }
  // Text after a matching block is not junk (Go keeps what it found).
  std::string cert = Pem("CERTIFICATE", Body(30, 1, 64));
  EXPECT_EQ(FilterPem("CERTIFICATE", cert + canary).value_or("<error>"), cert);
}

TEST(FilterPem, ManyUnterminatedBlocksStayLinear) {
  // 4 MiB of BEGIN lines that never end: each is given up at the next
  // BEGIN (a quadratic reader would scan terabytes here).
  std::string hostile;
  while (hostile.size() < (4u << 20)) hostile += "-----BEGIN X-----\nAAAA\n";
  auto r = FilterPem("X", hostile);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "filterPEM: found junk, not PEM blocks");
}

}  // namespace
}  // namespace sealsync::op
