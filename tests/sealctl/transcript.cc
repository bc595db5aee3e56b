#include "tests/sealctl/transcript.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "sealctl/run.h"
#include "sealsync/age.h"
#include "tests/support/files.h"

namespace sealsync::testing {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    lines.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n')
      out += "\\n";
    else if (c == '"')
      out += "\\\"";
    else
      out += c;
  }
  return out + "\"";
}

// Splits a command line on spaces; '...' groups words, as in a shell.
std::optional<std::vector<std::string>> SplitArgs(std::string_view line) {
  std::vector<std::string> args;
  std::string cur;
  bool in_word = false, quoted = false;
  for (char c : line) {
    if (quoted) {
      if (c == '\'')
        quoted = false;
      else
        cur += c;
    } else if (c == '\'') {
      quoted = in_word = true;
    } else if (c == ' ') {
      if (in_word) args.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (quoted) return std::nullopt;
  if (in_word) args.push_back(std::move(cur));
  return args;
}

// One '$' or '|' command with its stdin and expectations, or one '%' file.
struct Block {
  enum Kind { kCommand, kFile } kind = kCommand;
  int line = 0;
  bool pipe = false;  // '|': stdin is the previous stdout
  std::string text;   // command line (after "sealctl ") or file name
  std::vector<std::string> in;
  std::optional<std::vector<std::string>> out, err;  // exact lines
  std::vector<std::string> out_has, err_has;
  bool out_empty = false, err_empty = false;
  int exit_code = 0;
};

class Transcript {
 public:
  Transcript(std::string_view label, const SealctlRunner& run)
      : label_(label), run_(run) {}
  ~Transcript() {
    if (!tmp_.empty()) {
      std::error_code ec;
      fs::remove_all(tmp_, ec);
    }
  }

  TranscriptOutcome Run(std::string_view text) {
    if (!SetUp()) return std::move(outcome_);
    std::optional<Block> block;
    auto flush = [&] {
      if (block) Execute(*block);
      block.reset();
    };
    int n = 0;
    for (const std::string& line : SplitLines(text)) {
      ++n;
      if (line.empty() || line[0] == '#') continue;
      auto rest = [&](size_t k) {
        return line.size() > k ? line.substr(k) : "";
      };
      if (line.starts_with("$ ") || line.starts_with("| ")) {
        flush();
        block.emplace();
        block->line = n;
        block->pipe = line[0] == '|';
        std::string_view cmd = std::string_view(line).substr(2);
        if (!cmd.starts_with("sealctl") || (cmd.size() > 7 && cmd[7] != ' ')) {
          return ParseError(n, "a command must start with \"sealctl\"");
        }
        block->text = rest(2 + 7);
        continue;
      }
      if (line.starts_with("% ")) {
        flush();
        block.emplace();
        block->kind = Block::kFile;
        block->line = n;
        block->text = rest(2);
        continue;
      }
      if (!block) return ParseError(n, "expectation before any command");
      Block& b = *block;
      bool is_file = b.kind == Block::kFile;
      if (line == "<" || line.starts_with("< ")) {
        b.in.push_back(rest(2));
      } else if (is_file) {
        return ParseError(n, "a file block takes only '<' lines");
      } else if (line.starts_with(">~ ")) {
        b.out_has.push_back(rest(3));
      } else if (line == ">.") {
        b.out_empty = true;
      } else if (line == ">" || line.starts_with("> ")) {
        if (!b.out) b.out.emplace();
        b.out->push_back(rest(2));
      } else if (line.starts_with("!~ ")) {
        b.err_has.push_back(rest(3));
      } else if (line == "!.") {
        b.err_empty = true;
      } else if (line == "!" || line.starts_with("! ")) {
        if (!b.err) b.err.emplace();
        b.err->push_back(rest(2));
      } else if (line.starts_with("? ")) {
        try {
          b.exit_code = std::stoi(rest(2));
        } catch (...) {
          return ParseError(n, "'? N' needs a number");
        }
      } else {
        return ParseError(n, "unknown line " + Quote(line));
      }
    }
    flush();
    if (outcome_.commands_run == 0) {
      Fail(0, "the transcript runs no command");
    }
    return std::move(outcome_);
  }

 private:
  bool SetUp() {
    std::string tmpl =
        (fs::temp_directory_path() / "sealctl-transcript-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      Fail(0, "mkdtemp failed");
      return false;
    }
    tmp_ = tmpl;
    vars_["TMP"] = tmp_.string();
    vars_["FIXTURES"] = FixtureDir();
    for (const auto& [var, file] :
         {std::pair{"", "key.txt"}, {"2", "key2.txt"}}) {
      std::string text = ReadFile(fs::path(FixtureDir()) / file);
      auto ids = ParseIdentityFile(text);
      if (!ids || ids->size() != 1) {
        Fail(0, std::string("fixture ") + file + " is not one identity");
        return false;
      }
      fs::path copy = tmp_ / file;
      WriteFile(copy, text);
      fs::permissions(copy, fs::perms::owner_read | fs::perms::owner_write);
      vars_[std::string("KEY") + var] = copy.string();
      vars_[std::string("RECIPIENT") + var] = (*ids)[0].recipient().ToString();
    }
    return true;
  }

  // Replaces every {{NAME}}; unknown names are an error.
  std::optional<std::string> Expand(std::string_view s, int line) {
    std::string out;
    size_t pos = 0;
    while (true) {
      size_t open = s.find("{{", pos);
      if (open == std::string_view::npos) break;
      size_t close = s.find("}}", open);
      if (close == std::string_view::npos) break;
      std::string name(s.substr(open + 2, close - open - 2));
      auto it = vars_.find(name);
      if (it == vars_.end()) {
        Fail(line, "unknown placeholder {{" + name + "}}");
        return std::nullopt;
      }
      out.append(s.substr(pos, open - pos));
      out += it->second;
      pos = close + 2;
    }
    out.append(s.substr(pos));
    return out;
  }

  std::optional<std::vector<std::string>> ExpandAll(
      const std::vector<std::string>& v, int line) {
    std::vector<std::string> out;
    for (const auto& s : v) {
      auto e = Expand(s, line);
      if (!e) return std::nullopt;
      out.push_back(std::move(*e));
    }
    return out;
  }

  void Execute(const Block& b) {
    if (failed_) return;  // later commands depend on earlier ones
    auto in = ExpandAll(b.in, b.line);
    if (!in) return;
    if (b.kind == Block::kFile) {
      if (b.text.empty() || b.text.find('/') != std::string::npos) {
        Fail(b.line, "a file name must be a plain name");
        return;
      }
      WriteFile(tmp_ / b.text, Join(*in));
      return;
    }
    auto cmdline = Expand(b.text, b.line);
    if (!cmdline) return;
    auto args = SplitArgs(*cmdline);
    if (!args) {
      Fail(b.line, "unbalanced quote");
      return;
    }
    std::string stdin_text = b.pipe ? prev_out_ : Join(*in);
    CommandResult r = run_(*args, stdin_text);
    ++outcome_.commands_run;
    std::string what = "sealctl" + *cmdline;
    auto fail = [&](const std::string& why) {
      Fail(b.line, what + ": " + why + "\n  exit " +
                       std::to_string(r.exit_code) + "\n  stdout " +
                       Quote(r.out) + "\n  stderr " + Quote(r.err));
    };
    CheckInvariants(r, fail);
    if (r.exit_code != b.exit_code) {
      fail("exit code " + std::to_string(r.exit_code) + ", want " +
           std::to_string(b.exit_code));
    }
    Compare("stdout", r.out, b.out, b.out_has, b.out_empty, b.line, fail);
    Compare("stderr", r.err, b.err, b.err_has, b.err_empty, b.line, fail);
    prev_out_ = r.out;
    std::string prev = r.out;
    if (prev.ends_with('\n')) prev.pop_back();
    vars_["PREV"] = prev;
  }

  template <typename F>
  void Compare(std::string_view stream, const std::string& got,
               const std::optional<std::vector<std::string>>& exact,
               const std::vector<std::string>& has, bool empty, int line,
               F& fail) {
    if (exact) {
      auto want = ExpandAll(*exact, line);
      if (want && got != Join(*want)) {
        fail(std::string(stream) + " differs, want " + Quote(Join(*want)));
      }
    }
    for (const auto& h : has) {
      auto want = Expand(h, line);
      if (want && got.find(*want) == std::string::npos) {
        fail(std::string(stream) + " lacks " + Quote(*want));
      }
    }
    if (empty && !got.empty()) fail(std::string(stream) + " is not empty");
  }

  // What holds for every sealctl command, whatever the transcript says.
  template <typename F>
  void CheckInvariants(const CommandResult& r, F& fail) {
    if (r.exit_code != 0 && r.exit_code != 1)
      fail("exit code is neither 0 nor 1");
    if (r.err.find(kCanary) != std::string::npos)
      fail("the canary leaked to stderr");
    int error_lines = 0;
    for (const std::string& l : SplitLines(r.err)) {
      if (l.starts_with("sealctl: error: ")) ++error_lines;
      if (r.exit_code != 0 && !l.starts_with("sealctl: error: ") &&
          !l.starts_with("sealctl: hint: ")) {
        fail(
            "a failing command printed a stderr line that is not an error or "
            "hint");
      }
    }
    if (r.exit_code != 0) {
      if (!r.out.empty()) fail("a failing command wrote to stdout");
      if (error_lines != 1)
        fail("a failing command must print exactly one error line");
    } else if (error_lines != 0) {
      fail("a succeeding command printed an error");
    }
  }

  TranscriptOutcome ParseError(int line, const std::string& why) {
    Fail(line, "malformed transcript: " + why);
    return std::move(outcome_);
  }

  void Fail(int line, const std::string& why) {
    failed_ = true;
    outcome_.failures.push_back(std::string(label_) + ":" +
                                std::to_string(line) + ": " + why);
  }

  std::string label_;
  const SealctlRunner& run_;
  fs::path tmp_;
  std::map<std::string, std::string> vars_{{"PREV", ""}};
  std::string prev_out_;
  bool failed_ = false;
  TranscriptOutcome outcome_;
};

}  // namespace

CommandResult RunInProcess(const std::vector<std::string>& args,
                           const std::string& in) {
  std::istringstream i(in);
  std::ostringstream o, e;
  int code = sealctl::Run(args, i, o, e);
  return {code, o.str(), e.str()};
}

std::string TranscriptDir() {
  return std::string(SEALSYNC_TESTDATA) + "/sealctl";
}
std::string FixtureDir() { return TranscriptDir() + "/fixtures"; }

std::vector<std::string> TranscriptNames() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(TranscriptDir())) {
    if (e.is_regular_file() && e.path().extension() == ".txt") {
      names.push_back(e.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

TranscriptOutcome RunTranscriptText(std::string_view text,
                                    std::string_view label,
                                    const SealctlRunner& run) {
  return Transcript(label, run).Run(text);
}

TranscriptOutcome RunTranscriptFile(const std::string& name,
                                    const SealctlRunner& run) {
  fs::path path = fs::path(TranscriptDir()) / name;
  if (!fs::is_regular_file(path)) {
    return {0, {name + ": cannot read " + path.string()}};
  }
  return RunTranscriptText(ReadFile(path), name, run);
}

}  // namespace sealsync::testing
