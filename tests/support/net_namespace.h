// A network namespace of the test's own, linked to the host's by a veth
// pair, for a test server that must sit at a non-loopback address the host
// can reach (kube-apiserver refuses to proxy to loopback endpoints). The
// rule for network tests: traffic goes only to loopback or into namespaces
// the test run created itself.
#pragma once

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "sealsync/error.h"

namespace sealsync::testing {

// A NetNamespace is a network namespace this process created, named
// "<prefix>-<pid>-<n>", joined to the host's namespace by one veth pair: the
// host end has `host_cidr`, the end inside has `inner_cidr`, both are up and
// so is `lo` inside. Nothing else is routed, so the host reaches only
// inner_ip() through it and the inside reaches only host_ip().
//
// The destructor deletes the veth pair and the namespace, whatever the test's
// outcome. Sockets opened inside keep the kernel's namespace alive until they
// are closed, so destroy servers running inside before the NetNamespace.
// Create() first deletes namespaces with the same prefix left behind by
// processes that no longer exist (a killed test run).
//
// Needs CAP_SYS_ADMIN and CAP_NET_ADMIN (root) and `ip` (iproute2).
// Thread-safe; but two live instances must not use the same subnet.
class NetNamespace {
 public:
  struct Options {
    std::string prefix = "sealsync-test";
    // RFC 2544 benchmarking range: never a real host's address.
    std::string host_cidr = "198.18.0.1/30";
    std::string inner_cidr = "198.18.0.2/30";
  };

  // Creates the namespace and the link. kFailedPrecondition when this
  // machine cannot (no `ip`, not permitted, a step failed); the message names
  // the step and quotes `ip`'s stderr. Nothing is left behind on error.
  static Result<std::unique_ptr<NetNamespace>> Create(const Options& options);
  static Result<std::unique_ptr<NetNamespace>> Create() { return Create({}); }

  ~NetNamespace();
  NetNamespace(const NetNamespace&) = delete;
  NetNamespace& operator=(const NetNamespace&) = delete;

  const std::string& name() const { return name_; }            // in `ip netns`
  const std::string& host_link() const { return host_link_; }  // host's veth
  const std::string& host_ip() const { return host_ip_; }      // "198.18.0.1"
  const std::string& inner_ip() const { return inner_ip_; }    // "198.18.0.2"

  // Runs `fn` on a new thread that has entered the namespace and waits for
  // it. Sockets `fn` creates belong to the namespace, and threads it starts
  // start inside it, so a server constructed in `fn` listens inside and keeps
  // serving there after RunInside returns. kInternal (and `fn` not run) if
  // the thread cannot enter.
  Result<void> RunInside(const std::function<void()>& fn) const;

 private:
  NetNamespace() = default;

  std::string name_;
  std::string host_link_;
  std::string host_ip_;
  std::string inner_ip_;
  bool link_created_ = false;
};

// True when running in CI (CI=true), where a test that cannot set up what it
// needs must fail rather than skip.
inline bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

}  // namespace sealsync::testing

// In a test body: declares `std::unique_ptr<NetNamespace> var` from
// NetNamespace::Create(options). If that fails the test fails under CI=true
// and is skipped elsewhere, with the reason either way.
#define SEALSYNC_REQUIRE_NET_NAMESPACE(var, options)                  \
  auto var##_or = ::sealsync::testing::NetNamespace::Create(options); \
  if (!var##_or) {                                                    \
    if (::sealsync::testing::InCi()) {                                \
      FAIL() << "cannot create a network namespace; CI needs it: "    \
             << var##_or.error().message();                           \
    }                                                                 \
    GTEST_SKIP() << "cannot create a network namespace (needs root "  \
                    "and iproute2): "                                 \
                 << var##_or.error().message();                       \
  }                                                                   \
  std::unique_ptr<::sealsync::testing::NetNamespace> var = std::move(*var##_or)
