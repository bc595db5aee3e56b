// sealctl scan against the real gitleaks (v8.28, built from Go modules by
// scripts/gitleaks.sh) on the labelled corpus of tests/testdata/scan: every
// labelled secret gitleaks finds, sealctl finds too, and sealctl reports
// fewer false positives (findings on lines not labelled). Prints the
// comparison table that docs/scan.md quotes. Without gitleaks the test
// skips, except under CI=true, where it fails.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/interop/process.h"

namespace sealsync::testing {
namespace {

const std::string kCorpus = std::string(SEALSYNC_TESTDATA) + "/scan/corpus";

struct Label {
  std::string rule;
};

// "true/x.env:3" -> label.
std::map<std::string, Label> ReadLabels() {
  std::map<std::string, Label> labels;
  std::ifstream f(std::string(SEALSYNC_TESTDATA) + "/scan/labels.tsv");
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string file, number, rule;
    std::getline(fields, file, '\t');
    std::getline(fields, number, '\t');
    std::getline(fields, rule, '\t');
    labels[file + ":" + number] = {rule};
  }
  return labels;
}

// Findings as "FILE:LINE" relative to the corpus.
std::set<std::string> Relative(const std::set<std::string>& found) {
  std::set<std::string> out;
  for (const std::string& f : found) {
    size_t at = f.find(kCorpus + "/");
    out.insert(at == std::string::npos ? f : f.substr(at + kCorpus.size() + 1));
  }
  return out;
}

std::string Gitleaks() {
  CommandResult path = RunProcess(
      {"bash", std::string(SEALSYNC_SOURCE_DIR) + "/scripts/gitleaks.sh",
       "path"});
  return path.exit_code == 0 ? path.out.substr(0, path.out.find('\n')) : "";
}

TEST(ScanInterop, FindsEveryTrueSecretGitleaksFindsWithFewerFalsePositives) {
  std::string gitleaks = Gitleaks();
  if (gitleaks.empty()) {
    const char* ci = getenv("CI");
    if (ci != nullptr && std::string(ci) == "true")
      FAIL() << "gitleaks missing and CI=true: run bash scripts/gitleaks.sh "
                "build";
    GTEST_SKIP() << "gitleaks not built (bash scripts/gitleaks.sh build)";
  }
  std::map<std::string, Label> labels = ReadLabels();
  ASSERT_GE(labels.size(), 20u) << "the corpus lost its labels";

  char tmpl[] = "/tmp/sealsync-scan-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string report = std::string(tmpl) + "/gitleaks.json";
  CommandResult gl = RunProcess({gitleaks, "dir", "--no-banner", "--no-color",
                                 "--report-format", "json", "--report-path",
                                 report, "--exit-code", "0", kCorpus});
  ASSERT_EQ(gl.exit_code, 0) << gl.err;
  std::ifstream rf(report);
  nlohmann::json gl_json = nlohmann::json::parse(rf);
  std::filesystem::remove_all(tmpl);
  std::set<std::string> by_gitleaks;
  for (const auto& f : gl_json)
    by_gitleaks.insert(f["File"].get<std::string>() + ":" +
                       std::to_string(f["StartLine"].get<int>()));
  by_gitleaks = Relative(by_gitleaks);

  CommandResult sc =
      RunProcess({SEALCTL_BINARY, "scan", "--format", "json", kCorpus});
  ASSERT_EQ(sc.exit_code, 1) << sc.err;
  std::set<std::string> by_sealctl;
  nlohmann::json sc_json = nlohmann::json::parse(sc.out);
  for (const auto& f : sc_json["findings"])
    by_sealctl.insert(f["file"].get<std::string>() + ":" +
                      std::to_string(f["line"].get<int>()));
  by_sealctl = Relative(by_sealctl);

  // Per rule: labelled, found by each; then false positives.
  std::map<std::string, std::array<int, 3>> table;
  for (const auto& [where, label] : labels) {
    auto& row = table[label.rule];
    ++row[0];
    row[1] += by_gitleaks.contains(where);
    row[2] += by_sealctl.contains(where);
    if (by_gitleaks.contains(where)) {
      EXPECT_TRUE(by_sealctl.contains(where))
          << "gitleaks finds " << where << " (" << label.rule
          << "), sealctl does not";
    }
  }
  int fp_gitleaks = 0, fp_sealctl = 0;
  for (const std::string& f : by_gitleaks) fp_gitleaks += !labels.contains(f);
  for (const std::string& f : by_sealctl) {
    if (labels.contains(f)) continue;
    ++fp_sealctl;
    ADD_FAILURE() << "sealctl false positive: " << f;
  }
  std::ostringstream t;
  t << "| rule | labelled | gitleaks | sealctl |\n|---|---|---|---|\n";
  int total[3] = {0, 0, 0};
  for (const auto& [rule, row] : table) {
    t << "| " << rule << " | " << row[0] << " | " << row[1] << " | " << row[2]
      << " |\n";
    for (int i = 0; i < 3; ++i) total[i] += row[i];
  }
  t << "| **true secrets found** | " << total[0] << " | " << total[1] << " | "
    << total[2] << " |\n";
  t << "| **false positives** | 0 | " << fp_gitleaks << " | " << fp_sealctl
    << " |\n";
  std::cout << t.str();
  EXPECT_LT(fp_sealctl, fp_gitleaks);
  EXPECT_EQ(total[2], total[0]) << "sealctl missed a labelled secret";
}

}  // namespace
}  // namespace sealsync::testing
