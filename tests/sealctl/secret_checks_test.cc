// Bytes that are not UTF-8, wherever they come from, never reach the YAML or
// JSON writer (nlohmann's dump() throws type_error 316 on them, which used to
// abort sealctl): input manifests are refused by the manifest reader with one
// line, and the objects sealctl prints are checked field by field
// (sealctl/secret_checks.h), naming the field and never the value.
#include "sealctl/secret_checks.h"

#include <gtest/gtest.h>

#include "tests/sealctl/transcript.h"

namespace sealsync::testing {
namespace {

using sealctl::CheckSecretToSeal;
using sealctl::CheckUtf8;

constexpr std::string_view kNotUtf8 = "\xff\xfe";

void ExpectOneLineError(const CommandResult& r, std::string_view want) {
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "sealctl: error: " + std::string(want) + "\n");
  EXPECT_EQ(r.err.find(kCanary), std::string::npos);
}

api::Secret GoodSecret() {
  api::Secret s;
  s.metadata.name = "db";
  s.metadata.ns = "team-a";
  s.metadata.labels["team"] = "a";
  s.data["password"] = SecureBytes(kCanary.begin(), kCanary.end());
  return s;
}

TEST(SecretChecks, NamesTheFieldThatIsNotUtf8NeverTheValue) {
  EXPECT_TRUE(CheckUtf8(GoodSecret()).has_value());
  struct Case {
    std::function<void(api::Secret&)> spoil;
    std::string want;
  };
  std::string bad = std::string(kCanary) + std::string(kNotUtf8);
  std::vector<Case> cases = {
      {[&](api::Secret& s) { s.metadata.labels["team"] = bad; },
       "metadata.labels.team: not UTF-8"},
      {[&](api::Secret& s) { s.metadata.labels[bad] = "a"; },
       "metadata.labels.canary-7f3a9c-do-not-log\\xff\\xfe: not UTF-8"},
      {[&](api::Secret& s) { s.metadata.annotations["note"] = bad; },
       "metadata.annotations.note: not UTF-8"},
      {[&](api::Secret& s) { s.metadata.name = bad; },
       "metadata.name: not UTF-8"},
      {[&](api::Secret& s) { s.metadata.ns = bad; },
       "metadata.namespace: not UTF-8"},
      {[&](api::Secret& s) { s.type = bad; }, "type: not UTF-8"},
      {[&](api::Secret& s) { s.data["pass\xff"] = {}; },
       "data.pass\\xff: not UTF-8"},
  };
  for (const auto& c : cases) {
    api::Secret s = GoodSecret();
    c.spoil(s);
    auto ok = CheckUtf8(s);
    ASSERT_FALSE(ok.has_value()) << c.want;
    EXPECT_EQ(ok.error().message(), c.want);
    EXPECT_EQ(ok.error().code(), ErrorCode::kInvalidArgument);
    // The label's value held the canary: it is not in the message.
    if (c.want.starts_with("metadata.labels.team") ||
        c.want.starts_with("metadata.annotations"))
      EXPECT_EQ(ok.error().message().find(kCanary), std::string::npos);
  }
  // A value of data may be any bytes: it is printed as base64.
  api::Secret binary = GoodSecret();
  binary.data["blob"] = SecureBytes{0xff, 0xfe, 0x00};
  EXPECT_TRUE(CheckUtf8(binary).has_value());
  EXPECT_NO_THROW((void)api::FormatSecret(binary, api::OutputFormat::kJson));
}

TEST(SecretChecks, SealedSecretFields) {
  api::SealedSecret s;
  s.metadata.name = "db";
  s.encrypted_data["password"] = "age1...";
  EXPECT_TRUE(CheckUtf8(s).has_value());
  s.template_.annotations["note"] = std::string(kNotUtf8);
  EXPECT_EQ(CheckUtf8(s).error().message(),
            "spec.template.metadata.annotations.note: not UTF-8");
  s.template_.annotations.clear();
  s.encrypted_data["k\x80"] = "x";
  EXPECT_EQ(CheckUtf8(s).error().message(),
            "spec.encryptedData.k\\x80: not UTF-8");
}

TEST(SecretChecks, SealRefusesKeysAndTypesTheClusterRefuses) {
  api::Secret s = GoodSecret();
  EXPECT_TRUE(CheckSecretToSeal(s).has_value());
  s.type = "kubernetes.io/service-account-token";
  EXPECT_TRUE(CheckSecretToSeal(s).error().message().starts_with(
      "type: Secret type \"kubernetes.io/service-account-token\" is not "
      "allowed"));
  s = GoodSecret();
  s.data["a b"] = {};
  EXPECT_TRUE(CheckSecretToSeal(s).error().message().starts_with(
      "data or stringData: key \"a b\" is not a valid Secret key"));
}

// Raw non-UTF-8 bytes in a manifest, wherever they are: the manifest
// reader's one line, for YAML and JSON, whatever the output format.
TEST(SecretChecks, SealRefusesManifestsThatAreNotUtf8) {
  std::string recipient;
  {
    CommandResult k = RunInProcess({"keygen"}, "");
    ASSERT_EQ(k.exit_code, 0);
    recipient = k.err.substr(k.err.find("age1"));
    recipient.pop_back();
  }
  const std::string head =
      "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: a}\n";
  const std::string bad(kNotUtf8);
  const std::string canary(kCanary);
  // Each holds the canary next to the bad bytes.
  const std::vector<std::string> manifests = {
      head + "stringData: {\"k" + bad + "\": " + canary + "}\n",
      head + "stringData: {k: " + canary + bad + "}\n",
      "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: a, "
      "labels: {t: \"" +
          bad + "\"}}\nstringData: {k: " + canary + "}\n",
      R"({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db",)"
      R"( "namespace": "a"}, "stringData": {"k": ")" +
          canary + bad + "\"}}",
  };
  for (const auto& manifest : manifests) {
    // 1-based, as the message says.
    size_t byte = manifest.find(bad) + 1;
    for (const char* format : {"yaml", "json"}) {
      CommandResult r =
          RunInProcess({"seal", "-r", recipient, "-o", format}, manifest);
      ExpectOneLineError(r,
                         "reading the Secret: malformed manifest: not UTF-8 "
                         "(byte " +
                             std::to_string(byte) + ")");
    }
  }
}

// yaml-cpp reads a NUL and the byte after it as one UTF-16 unit ("\0N"
// became the lone byte 0x85 in metadata.name, and -o json then threw): raw
// control characters are refused up front, naming the byte.
TEST(SecretChecks, SealRefusesRawControlCharacters) {
  CommandResult k = RunInProcess({"keygen"}, "");
  ASSERT_EQ(k.exit_code, 0);
  std::string recipient = k.err.substr(k.err.find("age1"));
  recipient.pop_back();
  const std::string head = "apiVersion: v1\nkind: Secret\n";
  for (char c : {'\0', '\x01', '\x1b', '\x7f'}) {
    std::string manifest =
        head + "metadata: {name: \"d" + std::string(1, c) +
        "N\", namespace: a}\nstringData: {k: " + std::string(kCanary) + "}\n";
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(c));
    for (const char* format : {"yaml", "json"}) {
      ExpectOneLineError(
          RunInProcess({"seal", "-r", recipient, "-o", format}, manifest),
          "reading the Secret: malformed manifest: control character " +
              std::string(hex) + " (byte " + std::to_string(head.size() + 20) +
              ")");
    }
  }
  // Tabs, CR LF line ends and escapes are fine.
  CommandResult ok = RunInProcess(
      {"seal", "-r", recipient, "-o", "json"},
      "apiVersion: v1\r\nkind: Secret\r\nmetadata: {name: db,\tnamespace: "
      "a, labels: {x: \"\\x01\\0\"}}\r\nstringData: {k: v}\r\n");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

}  // namespace
}  // namespace sealsync::testing
