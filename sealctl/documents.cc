#include "sealctl/documents.h"

#include <ostream>

namespace sealsync::sealctl {

std::vector<api::Json> ExpandLists(std::vector<api::Json> docs, bool* listed) {
  bool many = docs.size() != 1;
  std::vector<api::Json> out;
  for (auto& doc : docs) {
    if (doc.is_object() && doc.value("kind", "") == "List") {
      many = true;
      for (auto& item : doc.value("items", api::Json::array()))
        out.push_back(std::move(item));
    } else {
      out.push_back(std::move(doc));
    }
  }
  if (listed != nullptr) *listed = many;
  return out;
}

void PrintDocuments(std::ostream& out, const std::vector<std::string>& docs,
                    bool json) {
  if (json) {
    api::Json list = {
        {"apiVersion", "v1"}, {"kind", "List"}, {"items", api::Json::array()}};
    for (const auto& d : docs) list["items"].push_back(api::Json::parse(d));
    out << api::EmitJson(list);
    return;
  }
  for (size_t i = 0; i < docs.size(); ++i)
    out << (i > 0 ? "---\n" : "") << docs[i];
}

}  // namespace sealsync::sealctl
