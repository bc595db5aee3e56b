// Waiting for a condition another thread or process makes true, with a
// deadline: the one way tests wait (no sleeps hoping the work is done).
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

namespace sealsync::testing {

// Calls `fn` until it returns true or `deadline` has passed, and returns its
// last answer (a condition met right at the deadline still counts). Polls
// after 1 ms at first and backs off to every 100 ms, so an in-process wait
// ends promptly and a control plane is not hammered while an operator works.
template <typename Fn>
bool Eventually(Fn&& fn,
                std::chrono::milliseconds deadline = std::chrono::seconds(30)) {
  using std::chrono::milliseconds;
  const auto until = std::chrono::steady_clock::now() + deadline;
  milliseconds pause(1);
  while (std::chrono::steady_clock::now() < until) {
    if (fn()) return true;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, milliseconds(100));
  }
  return fn();
}

}  // namespace sealsync::testing
