// FUZZ_CHECK for libFuzzer targets: a failed property is a crash libFuzzer
// records (the input is kept as an artifact). The message names the target
// by its source file and reads "check failed", which scripts/fuzz.sh greps.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                               \
  do {                                                                 \
    if (!(cond)) {                                                     \
      std::fprintf(stderr, "%s: check failed: %s\n", __FILE__, #cond); \
      std::abort();                                                    \
    }                                                                  \
  } while (0)
