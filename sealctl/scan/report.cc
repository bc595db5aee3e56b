#include "sealctl/scan/report.h"

#include <nlohmann/json.hpp>
#include <ostream>

#include "sealctl/scan/rules.h"

namespace sealsync::sealctl::scan {
namespace {

using Json = nlohmann::ordered_json;

}  // namespace

void WriteText(std::ostream& out, const std::vector<Finding>& findings) {
  for (const Finding& f : findings) {
    out << f.path << ":" << f.line << ": " << f.rule << ": " << f.excerpt
        << " (fingerprint " << f.fingerprint;
    if (!f.commit.empty()) out << ", commit " << f.commit.substr(0, 12);
    out << ")\n";
  }
}

void WriteJson(std::ostream& out, const std::vector<Finding>& findings,
               const ScanSummary& summary) {
  Json list = Json::array();
  for (const Finding& f : findings) {
    Json j = {{"file", f.path},
              {"line", f.line},
              {"rule", f.rule},
              {"excerpt", f.excerpt},
              {"fingerprint", f.fingerprint}};
    if (!f.commit.empty()) j["commit"] = f.commit;
    list.push_back(std::move(j));
  }
  Json doc = {{"findings", std::move(list)},
              {"filesScanned", summary.files},
              {"filesSkipped", summary.skipped}};
  out << doc.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

void WriteSarif(std::ostream& out, const std::vector<Finding>& findings) {
  Json rules = Json::array();
  for (const RuleInfo& r : AllRules())
    rules.push_back(
        {{"id", std::string(r.id)},
         {"shortDescription", {{"text", std::string(r.description)}}}});
  Json results = Json::array();
  for (const Finding& f : findings) {
    Json location = {{"physicalLocation",
                      {{"artifactLocation", {{"uri", f.path}}},
                       {"region", {{"startLine", f.line}}}}}};
    Json r = {
        {"ruleId", f.rule},
        {"level", "error"},
        {"message", {{"text", f.rule + ": " + f.excerpt}}},
        {"locations", Json::array({location})},
        {"partialFingerprints", {{"sealctlFingerprint/v1", f.fingerprint}}}};
    if (!f.commit.empty()) r["properties"] = {{"commit", f.commit}};
    results.push_back(std::move(r));
  }
  Json doc = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs", Json::array({{{"tool",
                              {{"driver",
                                {{"name", "sealctl scan"},
                                 {"informationUri", "https://sealsync.dev"},
                                 {"rules", std::move(rules)}}}}},
                             {"results", std::move(results)}}})}};
  out << doc.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

}  // namespace sealsync::sealctl::scan
