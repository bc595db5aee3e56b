// Kubernetes Status responses map to error codes (sealsync/kube.h), and
// request paths are built as the API server expects.
#include <gtest/gtest.h>

#include "lib/kube/client_impl.h"

namespace sealsync::kube {
namespace {

TEST(StatusError, MapsHttpStatusAndReason) {
  struct Case {
    long http;
    std::string reason;
    bool create;
    ErrorCode want;
  };
  const std::vector<Case> cases = {
      {400, "BadRequest", false, ErrorCode::kInvalidArgument},
      {422, "Invalid", false, ErrorCode::kInvalidArgument},
      {401, "Unauthorized", false, ErrorCode::kUnauthenticated},
      {403, "Forbidden", false, ErrorCode::kPermissionDenied},
      {404, "NotFound", false, ErrorCode::kNotFound},
      {409, "AlreadyExists", true, ErrorCode::kAlreadyExists},
      {409, "Conflict", false, ErrorCode::kAborted},
      {409, "AlreadyExists", false, ErrorCode::kAborted},
      {410, "Expired", false, ErrorCode::kOutOfRange},
      {429, "TooManyRequests", false, ErrorCode::kResourceExhausted},
      {500, "InternalError", false, ErrorCode::kUnavailable},
      {503, "ServiceUnavailable", false, ErrorCode::kUnavailable},
      {504, "Timeout", false, ErrorCode::kDeadlineExceeded},
  };
  for (const Case& c : cases) {
    Json body = {{"kind", "Status"},
                 {"reason", c.reason},
                 {"message", "m"},
                 {"code", c.http}};
    Error e = StatusError(c.http, body.dump(), "GET /x", c.create);
    EXPECT_EQ(e.code(), c.want) << c.http << " " << c.reason;
    EXPECT_EQ(e.message(),
              "GET /x: " + std::to_string(c.http) + " " + c.reason + ": m");
  }
  // A body that is not a Status still gives a code and a message.
  Error e = StatusError(502, "<html>bad gateway</html>", "GET /y", false);
  EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(e.message(), "GET /y: 502");
}

TEST(ResourcePath, CoreGroupedNamespacedClusterAndStatus) {
  EXPECT_EQ(ResourcePath(kSecrets, "a", "b"), "/api/v1/namespaces/a/secrets/b");
  EXPECT_EQ(ResourcePath(kSecrets, ""), "/api/v1/secrets");
  EXPECT_EQ(ResourcePath(kLeases, "ns", "l"),
            "/apis/coordination.k8s.io/v1/namespaces/ns/leases/l");
  EXPECT_EQ(ResourcePath(kCrds, "ignored", "x"),
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x");
  Resource sealed{"sealsync.dev", "v1alpha1", "sealedsecrets", true};
  EXPECT_EQ(ResourcePath(sealed, "a", "b", true),
            "/apis/sealsync.dev/v1alpha1/namespaces/a/sealedsecrets/b/status");
}

}  // namespace
}  // namespace sealsync::kube
