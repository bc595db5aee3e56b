// The sealctl transcript harness: runs tests/testdata/sealctl/*.txt (format in
// tests/testdata/sealctl/README.md) against any way of running sealctl, so the
// same transcripts check `Run()` in-process (sealctl_test) and the built binary
// (interop_test).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sealsync::testing {

// A secret value the transcripts and tests use in every failing case. It must
// never appear on stderr, and never on stdout unless the command succeeded.
inline constexpr std::string_view kCanary = "canary-7f3a9c-do-not-log";

struct CommandResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// Runs sealctl with `args` (without the program name) and `in` as stdin.
using SealctlRunner = std::function<CommandResult(
    const std::vector<std::string>& args, const std::string& in)>;

// sealctl::Run() with string streams.
CommandResult RunInProcess(const std::vector<std::string>& args,
                           const std::string& in);

// The directory of transcripts and the one of their fixture files.
std::string TranscriptDir();
std::string FixtureDir();

// Names ("scope.txt", ...) of the transcripts in TranscriptDir(), sorted.
std::vector<std::string> TranscriptNames();

struct TranscriptOutcome {
  int commands_run = 0;
  std::vector<std::string> failures;  // empty: every expectation held
};

// Parses and runs one transcript. `label` names it in failure messages. A
// malformed transcript is reported as a failure, never skipped.
TranscriptOutcome RunTranscriptText(std::string_view text,
                                    std::string_view label,
                                    const SealctlRunner& run);
// Reads TranscriptDir()/name and runs it.
TranscriptOutcome RunTranscriptFile(const std::string& name,
                                    const SealctlRunner& run);

}  // namespace sealsync::testing
