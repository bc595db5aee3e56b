// sealctl: forwards argv and the standard streams to Run().
#include <iostream>
#include <string>
#include <vector>

#include "sealctl/run.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  return sealsync::sealctl::Run(args, std::cin, std::cout, std::cerr);
}
