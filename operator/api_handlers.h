// The operator's small public API (served by HttpServer on its API port):
//
//   GET  /v1/recipients  newest first. JSON {"recipients":[{"recipient",
//                        "keyId","created"}]} or, with "Accept: text/plain",
//                        the recipients file (one per line, # comments).
//   POST /v1/verify      body: a SealedSecret (YAML or JSON). 200 {"ok":bool,
//                        "reason","message","keyIds"}: can this operator
//                        unseal it where it says it lives. Never plaintext.
//   POST /v1/rewrap      body: a SealedSecret. 200: the same SealedSecret,
//                        every value re-sealed to the newest key, in the
//                        body's format (JSON in, JSON out). 422 when it cannot
//                        be unsealed (same JSON as verify).
// verify and rewrap are rate limited (429 with retry-after): per client
// address first, so a client that floods the port is refused alone, then in
// total, so many clients together cannot occupy the server thread.
#pragma once

#include "operator/http_server.h"
#include "operator/key_ring.h"
#include "sealsync/random.h"

namespace sealsync::op {

struct ApiLimits {
  double per_second = 5;  // each client address
  double burst = 20;
  double total_per_second = 50;  // all clients together
  double total_burst = 100;
  const Clock* clock = nullptr;  // nullptr: SystemClock()
};

class AuditLog;

// Registers the three routes on `server`. `keys` and `random` must outlive it.
void RegisterApi(HttpServer& server, const KeyRing& keys, Random& random,
                 ApiLimits limits = {}, AuditLog* audit = nullptr);

}  // namespace sealsync::op
