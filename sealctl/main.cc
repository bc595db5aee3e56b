// sealctl: forwards argv and the standard streams to Run().
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "sealctl/io.h"
#include "sealctl/run.h"

int main(int argc, char** argv) {
  // A closed pipe (`sealctl ... | head -c0`) or a file size limit must make
  // write(2) fail with EPIPE / EFBIG, which Run() reports, instead of
  // killing the process silently.
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGXFSZ, SIG_IGN);
  std::ios::sync_with_stdio(false);
  sealsync::sealctl::FdOutBuf stdout_buf(STDOUT_FILENO);
  std::ostream out(&stdout_buf);
  std::vector<std::string> args(argv + 1, argv + argc);
  return sealsync::sealctl::Run(args, std::cin, out, std::cerr);
}
