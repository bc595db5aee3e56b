// sealctl scan: the leak gate. Walks paths (or the git index, or commits),
// runs the rules of sealctl/scan/, drops what the allow-list accepts, seals
// plaintext Secret manifests with --fix, and reports without values.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "sealctl/commands.h"
#include "sealctl/io.h"
#include "sealctl/scan/allow_list.h"
#include "sealctl/scan/git_source.h"
#include "sealctl/scan/report.h"
#include "sealctl/scan/rules.h"
#include "sealctl/scan/scanner.h"

namespace sealsync::sealctl {
namespace {

constexpr int kExitClean = 0;
constexpr int kExitFindings = 1;
constexpr int kExitUsage = 2;
constexpr std::string_view kDefaultConfig = ".sealctl-scan.yaml";

int Usage(std::ostream& err, const std::string& message) {
  err << "sealctl: error: " << message << "\n";
  return kExitUsage;
}

Result<scan::AllowList> LoadAllowList(const ScanOptions& opts,
                                      std::istream& in) {
  std::string path = opts.config;
  if (path.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(kDefaultConfig, ec)) return scan::AllowList{};
    path = kDefaultConfig;
  }
  auto text = ReadInput(path, in);
  if (!text) return std::unexpected(text.error());
  return scan::ParseAllowList(*text, path);
}

// NAME.yaml -> NAME.sealed.yaml (NAME.json -> NAME.sealed.yaml).
std::string SealedPath(const std::string& path) {
  std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + ".sealed.yaml")).string();
}

// Seals each file holding a plaintext Secret with `sealctl seal`'s own code
// and removes the plaintext; returns the files fixed. A file that cannot be
// sealed whole (other kinds of objects in it, no namespace, ...) is left as
// it was and keeps its findings.
std::set<std::string> Fix(const ScanOptions& opts,
                          const std::vector<scan::Finding>& findings,
                          Streams io) {
  std::set<std::string> candidates, fixed;
  for (const scan::Finding& f : findings)
    if (f.rule == scan::kRulePlaintextSecret) candidates.insert(f.path);
  for (const std::string& path : candidates) {
    SealOptions seal;
    seal.file = path;
    seal.recipients = opts.recipients;
    seal.recipients_files = opts.recipients_files;
    seal.cluster = opts.cluster;
    std::ostringstream out;
    std::istringstream no_input;
    if (Seal(seal, Streams{no_input, out, io.err}) != 0) {
      io.err << "sealctl: error: --fix: " << path
             << " left as it was (it must hold only Secrets)\n";
      continue;
    }
    std::string target = SealedPath(path);
    if (auto w = WriteFileAtomically(target, out.str(), 0644, false); !w) {
      io.err << "sealctl: error: --fix: " << w.error().message() << "\n";
      continue;
    }
    if (unlink(path.c_str()) != 0) {
      io.err << "sealctl: error: --fix: cannot remove " << path << "\n";
      continue;
    }
    io.err << "sealctl: sealed " << path << " -> " << target
           << " (plaintext removed)\n";
    fixed.insert(path);
  }
  return fixed;
}

}  // namespace

int Scan(const ScanOptions& opts, Streams io) {
  if (opts.staged && !opts.since.empty())
    return Usage(io.err, "--staged and --since exclude each other");
  if (opts.fix && (opts.staged || !opts.since.empty()))
    return Usage(io.err, "--fix works on files, not on --staged or --since");
  auto allow = LoadAllowList(opts, io.in);
  if (!allow) return Usage(io.err, allow.error().message());

  std::vector<scan::Finding> findings;
  scan::ScanSummary summary;
  std::vector<std::string> paths = opts.paths;
  if (paths.empty()) paths.push_back(".");
  if (opts.staged || !opts.since.empty()) {
    auto git = opts.staged ? scan::ScanStaged(paths.front())
                           : scan::ScanSince(paths.front(), opts.since);
    if (!git) return Usage(io.err, git.error().message());
    findings = std::move(git->findings);
    summary.files = git->files;
  } else {
    auto files = scan::CollectFiles(paths);
    if (!files) return Usage(io.err, files.error().message());
    for (const std::string& file : *files) {
      std::string shown = file.starts_with("./") ? file.substr(2) : file;
      if (allow->AllowsPath(shown)) continue;
      auto r = scan::ScanFile(file, shown);
      if (!r) return Usage(io.err, r.error().message());
      ++summary.files;
      if (r->binary) ++summary.skipped;
      for (scan::Finding& f : r->findings) findings.push_back(std::move(f));
    }
  }
  std::erase_if(findings,
                [&](const scan::Finding& f) { return allow->Allows(f); });
  if (opts.fix) {
    std::set<std::string> fixed = Fix(opts, findings, io);
    std::erase_if(findings, [&](const scan::Finding& f) {
      return fixed.contains(f.path);
    });
  }

  if (opts.format == "json")
    scan::WriteJson(io.out, findings, summary);
  else if (opts.format == "sarif")
    scan::WriteSarif(io.out, findings);
  else
    scan::WriteText(io.out, findings);
  if (findings.empty()) return kExitClean;
  std::set<std::string> files;
  for (const scan::Finding& f : findings) files.insert(f.path);
  io.err << "sealctl: " << findings.size() << " finding"
         << (findings.size() == 1 ? "" : "s") << " in " << files.size()
         << " file" << (files.size() == 1 ? "" : "s")
         << "; seal them (sealctl scan --fix for Secret manifests) or accept "
            "them in .sealctl-scan.yaml\n";
  return kExitFindings;
}

}  // namespace sealsync::sealctl
