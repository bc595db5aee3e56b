#include "tests/charts/helm_runner.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lib/api/manifest.h"
#include "tests/support/control_plane.h"

#ifndef SEALSYNC_SOURCE_DIR
#error "SEALSYNC_SOURCE_DIR must be defined"
#endif

namespace sealsync::testing {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream b;
  b << f.rdbuf();
  return b.str();
}

}  // namespace

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::optional<HelmRunner> HelmRunner::Find(std::string* why) {
  std::string binary;
  if (const char* env = std::getenv("SEALSYNC_HELM"); env && *env) {
    binary = env;
  } else {
    std::string out;
    int rc = RunCommand("bash " + ShellQuote(SEALSYNC_SOURCE_DIR) +
                            "/scripts/helm.sh path 2>&1",
                        &out);
    if (rc != 0) {
      *why = Trim(out);
      return std::nullopt;
    }
    binary = Trim(out);
  }
  if (::access(binary.c_str(), X_OK) != 0) {
    *why = binary + " is not executable";
    return std::nullopt;
  }
  char tmpl[] = "/tmp/sealsync-helm-home.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    *why = "mkdtemp failed";
    return std::nullopt;
  }
  return HelmRunner(binary, tmpl);
}

HelmRunner::HelmRunner(HelmRunner&& other) noexcept
    : binary_(std::move(other.binary_)), home_(std::move(other.home_)) {
  other.home_.clear();
}

HelmRunner::~HelmRunner() {
  if (!home_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(home_, ignored);
  }
}

HelmResult HelmRunner::Run(const std::vector<std::string>& args) const {
  std::string err_path = home_ + "/stderr";
  std::string cmd = "cd " + ShellQuote(SEALSYNC_SOURCE_DIR) +
                    " && HELM_CONFIG_HOME=" + ShellQuote(home_ + "/config") +
                    " HELM_CACHE_HOME=" + ShellQuote(home_ + "/cache") +
                    " HELM_DATA_HOME=" + ShellQuote(home_ + "/data") + " " +
                    ShellQuote(binary_);
  for (const auto& a : args) cmd += " " + ShellQuote(a);
  cmd += " 2>" + ShellQuote(err_path);
  HelmResult r;
  r.exit_code = RunCommand(cmd, &r.out);
  r.err = Slurp(err_path);
  return r;
}

std::vector<kube::Json> ParseDocuments(const std::string& yaml,
                                       std::string* error) {
  std::vector<kube::Json> docs;
  std::istringstream in(yaml);
  std::string doc, line;
  auto flush = [&]() -> bool {
    bool blank = std::all_of(doc.begin(), doc.end(),
                             [](char c) { return c == ' ' || c == '\n'; });
    // A document of comments only is empty too.
    std::istringstream lines(doc);
    bool content = false;
    for (std::string l; std::getline(lines, l);) {
      size_t at = l.find_first_not_of(' ');
      if (at != std::string::npos && l[at] != '#') content = true;
    }
    if (!blank && content) {
      auto parsed = api::ParseManifest(doc, api::Scalars::kTyped);
      if (!parsed) {
        *error = parsed.error().message() + "\n" + doc;
        return false;
      }
      docs.push_back(kube::Json::parse(parsed->dump()));
    }
    doc.clear();
    return true;
  };
  while (std::getline(in, line)) {
    if (line == "---") {
      if (!flush()) return {};
      continue;
    }
    doc += line + "\n";
  }
  if (!flush()) return {};
  return docs;
}

std::vector<kube::Json> OfKind(const std::vector<kube::Json>& docs,
                               std::string_view kind) {
  std::vector<kube::Json> out;
  for (const auto& d : docs) {
    if (d.value("kind", "") == kind) out.push_back(d);
  }
  return out;
}

std::optional<kube::Json> Find(const std::vector<kube::Json>& docs,
                               std::string_view kind, std::string_view name,
                               std::string_view ns) {
  for (const auto& d : OfKind(docs, kind)) {
    const kube::Json& meta = d.value("metadata", kube::Json::object());
    if (meta.value("name", "") != name) continue;
    if (!ns.empty() && meta.value("namespace", "") != ns) continue;
    return d;
  }
  return std::nullopt;
}

std::vector<std::string> ContainerArgs(const kube::Json& deployment) {
  std::vector<std::string> args;
  const kube::Json& containers =
      deployment["spec"]["template"]["spec"]["containers"];
  if (!containers.is_array() || containers.empty()) return args;
  for (const auto& a : containers[0].value("args", kube::Json::array())) {
    args.push_back(a.is_string() ? a.get<std::string>() : a.dump());
  }
  return args;
}

bool Grants(const kube::Json& role, std::string_view group,
            std::string_view resource, std::string_view verb) {
  auto has = [](const kube::Json& list, std::string_view v) {
    if (!list.is_array()) return false;
    for (const auto& x : list) {
      if (x.is_string() && (x == v || x == "*")) return true;
    }
    return false;
  };
  for (const auto& rule : role.value("rules", kube::Json::array())) {
    if (has(rule.value("apiGroups", kube::Json::array()), group) &&
        has(rule.value("resources", kube::Json::array()), resource) &&
        has(rule.value("verbs", kube::Json::array()), verb)) {
      return true;
    }
  }
  return false;
}

}  // namespace sealsync::testing
