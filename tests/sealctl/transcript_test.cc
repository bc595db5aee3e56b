// Runs every tests/testdata/sealctl/*.txt transcript against sealctl::Run()
// in-process, and checks that the harness itself catches broken expectations.
#include "tests/sealctl/transcript.h"

#include <gtest/gtest.h>

namespace sealsync::testing {
namespace {

class TranscriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TranscriptTest, InProcess) {
  TranscriptOutcome outcome = RunTranscriptFile(GetParam(), RunInProcess);
  for (const auto& f : outcome.failures) ADD_FAILURE() << f;
  EXPECT_GT(outcome.commands_run, 0);
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(0, info.param.rfind('.'));
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Transcripts, TranscriptTest,
                         ::testing::ValuesIn(TranscriptNames()), TestName);

TEST(TranscriptHarness, FindsTheTranscripts) {
  // Guards against a wrong SEALSYNC_TESTDATA silently running zero cases.
  EXPECT_GE(TranscriptNames().size(), 5u);
}

// The harness must be able to fail: each of these transcripts is wrong.
TEST(TranscriptHarness, ReportsBrokenExpectations) {
  const char* broken[] = {
      // wrong exit code
      "$ sealctl --help\n? 1\n",
      // wrong exact stdout
      "$ sealctl recipient -i {{KEY}}\n> age1notit\n",
      // missing substring on stderr
      "$ sealctl seal --bogus\n? 1\n!~ something else\n",
      // '>.' on a command that prints
      "$ sealctl recipient -i {{KEY}}\n>.\n",
      // unknown placeholder, unknown line, no command at all
      "$ sealctl recipient -i {{NOPE}}\n",
      "$ sealctl --help\n@ what\n",
      "# nothing\n",
      // a command that is not sealctl
      "$ rm -rf /\n",
  };
  for (const char* text : broken) {
    TranscriptOutcome outcome = RunTranscriptText(text, "broken", RunInProcess);
    EXPECT_FALSE(outcome.failures.empty()) << text;
  }
}

// The invariants hold even when a transcript forgets to assert them.
TEST(TranscriptHarness, ChecksInvariants) {
  SealctlRunner leaky = [](const std::vector<std::string>&,
                           const std::string&) {
    return CommandResult{1, "partial",
                         "sealctl: error: bad " + std::string(kCanary) + "\n"};
  };
  TranscriptOutcome outcome =
      RunTranscriptText("$ sealctl seal\n? 1\n", "leaky", leaky);
  ASSERT_EQ(outcome.failures.size(), 2u);
  EXPECT_NE(outcome.failures[0].find("canary leaked"), std::string::npos);
  EXPECT_NE(outcome.failures[1].find("wrote to stdout"), std::string::npos);

  SealctlRunner two_errors = [](const std::vector<std::string>&,
                                const std::string&) {
    return CommandResult{1, "", "sealctl: error: a\nsealctl: error: b\n"};
  };
  EXPECT_FALSE(RunTranscriptText("$ sealctl seal\n? 1\n", "two", two_errors)
                   .failures.empty());
}

TEST(TranscriptHarness, PipesAndPlaceholders) {
  std::vector<std::vector<std::string>> calls;
  SealctlRunner echo = [&](const std::vector<std::string>& args,
                           const std::string& in) {
    calls.push_back(args);
    return CommandResult{0, "out:" + in, ""};
  };
  TranscriptOutcome outcome = RunTranscriptText(
      "$ sealctl a 'b c' {{RECIPIENT}}\n< one\n> out:one\n"
      "| sealctl x\n> out:out:one\n"
      "$ sealctl {{PREV}}\n",
      "pipes", echo);
  for (const auto& f : outcome.failures) ADD_FAILURE() << f;
  EXPECT_EQ(outcome.commands_run, 3);
  ASSERT_EQ(calls.size(), 3u);
  ASSERT_EQ(calls[0].size(), 3u);
  EXPECT_EQ(calls[0][1], "b c");
  EXPECT_TRUE(calls[0][2].starts_with("age1"));
  EXPECT_EQ(calls[2], std::vector<std::string>{"out:out:one"});
}

}  // namespace
}  // namespace sealsync::testing
