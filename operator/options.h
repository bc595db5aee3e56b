// Operator flags (CLI11) -> OperatorOptions. Testable: no process exit.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "operator/log.h"
#include "operator/operator.h"

namespace sealsync::op {

struct ParsedFlags {
  OperatorOptions options;
  LogFormat log_format = LogFormat::kJson;
  std::string log_level = "info";
  bool exit_now = false;  // --help was printed
  int exit_code = 0;
};

// Parses `args` (without the program name). Help goes to `out`; errors
// ("sealsync-operator: error: ...") to `err` with exit_code 1. Loads the
// kubeconfig (--kubeconfig/--context, else in-cluster config when running in
// a pod, else $KUBECONFIG / ~/.kube/config).
ParsedFlags ParseFlags(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err);

}  // namespace sealsync::op
