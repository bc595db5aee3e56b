// kapply: a tiny kubectl stand-in for tests and the demo (Debian's kubectl
// is far older than our API server). Server-side applies YAML/JSON manifests
// and reads objects back.
//
//   kapply --kubeconfig K apply FILE...          (documents split on "---")
//   kapply --kubeconfig K get KIND NAMESPACE NAME   (prints JSON)
//   kapply --kubeconfig K delete KIND NAMESPACE NAME
//   kapply --kubeconfig K wait-crd NAME          (until Established, 60 s)
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "lib/api/manifest.h"
#include "sealsync/kube.h"

namespace {

using sealsync::kube::Json;
using sealsync::kube::Resource;

Resource ResourceFor(const std::string& api_version, const std::string& kind) {
  std::string group, version = api_version;
  if (size_t slash = api_version.find('/'); slash != std::string::npos) {
    group = api_version.substr(0, slash);
    version = api_version.substr(slash + 1);
  }
  std::string plural;
  for (char c : kind) plural += static_cast<char>(std::tolower(c));
  if (plural.ends_with("y")) {
    plural = plural.substr(0, plural.size() - 1) + "ies";
  } else {
    plural += plural.ends_with("s") ? "es" : "s";
  }
  bool cluster = kind == "Namespace" || kind == "CustomResourceDefinition" ||
                 kind.starts_with("Cluster");
  return {group, version, plural, !cluster};
}

Resource ResourceForKind(const std::string& kind) {
  if (kind == "Secret" || kind == "ConfigMap" || kind == "Namespace")
    return ResourceFor("v1", kind);
  if (kind == "CustomResourceDefinition")
    return ResourceFor("apiextensions.k8s.io/v1", kind);
  return ResourceFor("sealsync.dev/v1alpha1", kind);
}

std::vector<std::string> SplitDocuments(const std::string& text) {
  std::vector<std::string> docs;
  std::istringstream in(text);
  std::string line, cur;
  while (std::getline(in, line)) {
    if (line.rfind("---", 0) == 0) {
      docs.push_back(cur);
      cur.clear();
    } else {
      cur += line + "\n";
    }
  }
  docs.push_back(cur);
  std::erase_if(docs, [](const std::string& d) {
    return d.find_first_not_of(" \t\r\n") == std::string::npos ||
           d.find_first_not_of(" \t\r\n") == d.find('#') &&
               d.find(':') == std::string::npos;
  });
  return docs;
}

int Usage() {
  std::cerr
      << "usage: kapply --kubeconfig FILE (apply FILE... | get KIND NS NAME | "
         "delete KIND NS NAME | wait-crd NAME)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string kubeconfig;
  if (args.size() >= 2 && args[0] == "--kubeconfig") {
    kubeconfig = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty()) return Usage();
  auto config = sealsync::kube::LoadKubeconfig({kubeconfig, ""});
  if (!config) {
    std::cerr << "kapply: " << config.error().message() << "\n";
    return 1;
  }
  auto client = sealsync::kube::NewClient(*config);
  if (!client) return 1;
  const std::string& verb = args[0];
  if (verb == "apply") {
    for (size_t i = 1; i < args.size(); ++i) {
      std::ifstream f(args[i]);
      std::stringstream buf;
      buf << (args[i] == "-" ? std::cin.rdbuf() : f.rdbuf());
      for (const auto& doc : SplitDocuments(buf.str())) {
        auto parsed =
            sealsync::api::ParseManifest(doc, sealsync::api::Scalars::kTyped);
        if (!parsed) {
          std::cerr << "kapply: " << args[i] << ": " << parsed.error().message()
                    << "\n";
          return 1;
        }
        Json obj = Json::parse(parsed->dump());
        Resource r =
            ResourceFor(obj.value("apiVersion", ""), obj.value("kind", ""));
        auto applied = (*client)->Apply(r, obj, {"kapply", true});
        if (!applied) {
          std::cerr << "kapply: " << applied.error().message() << "\n";
          return 1;
        }
        std::cout << obj["kind"].get<std::string>() << "/"
                  << obj["metadata"]["name"].get<std::string>() << " applied\n";
      }
    }
    return 0;
  }
  if ((verb == "get" || verb == "delete") && args.size() == 4) {
    Resource r = ResourceForKind(args[1]);
    sealsync::kube::ObjectKey key{r.namespaced ? args[2] : "", args[3]};
    if (verb == "delete") {
      auto d = (*client)->Delete(r, key);
      if (!d) {
        std::cerr << "kapply: " << d.error().message() << "\n";
        return 1;
      }
      return 0;
    }
    auto got = (*client)->Get(r, key);
    if (!got) {
      std::cerr << "kapply: " << got.error().message() << "\n";
      return 1;
    }
    std::cout << got->dump(2) << "\n";
    return 0;
  }
  if (verb == "wait-crd" && args.size() == 2) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < until) {
      auto c = (*client)->Get(sealsync::kube::kCrds, {"", args[1]});
      if (c) {
        for (const auto& cond :
             (*c)["status"].value("conditions", Json::array())) {
          if (cond["type"] == "Established" && cond["status"] == "True")
            return 0;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    std::cerr << "kapply: CRD " << args[1] << " not established in 60 s\n";
    return 1;
  }
  return Usage();
}
