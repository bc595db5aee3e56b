// Tests of NewInfisicalClient against infisical-double (a real process with
// Infisical's endpoints, started per test). The client runs on a FakeClock;
// the double's clock is moved with /__control/clock where token lifetimes
// matter. Call counts are read from the double, not from the client.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <set>
#include <thread>
#include <vector>

#include "sealsync/vault.h"
#include "tests/lib/vault/infisical_double_process.h"
#include "tests/support/fake_clock.h"

namespace sealsync::vault {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::InfisicalDouble;

constexpr char kReaderId[] = "0f1e2d3c-reader-client-id";
constexpr char kReaderSecret[] = "reader-client-secret-0001";
constexpr char kCanary[] = "canary-9f8e7d6c5b4a-value";

// Nothing of these may appear in an Error message.
const std::vector<std::string> kNeverInMessages = {kCanary,
                                                   kReaderSecret,
                                                   "short-ttl-client-secret",
                                                   "team-b-client-secret",
                                                   "wrong-secret-123456",
                                                   "s3cr3t-db-password",
                                                   "dev-api-key-7f3a91",
                                                   "eyJ" /* any JWT */};

using sealsync::testing::FakeClock;

std::string ValueOf(const SecretList& l, std::string_view key) {
  const VaultSecret* s = l.Find(key);
  return s ? std::string(AsString(s->value)) : "<missing>";
}

class InfisicalClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    if (!InfisicalDouble::Available()) {
      const char* ci = std::getenv("CI");
      if (ci != nullptr && std::string(ci) == "true")
        FAIL() << "infisical-double missing: " << InfisicalDouble::Binary();
      GTEST_SKIP() << "infisical-double not built: "
                   << InfisicalDouble::Binary();
    }
    double_ = std::make_unique<InfisicalDouble>();
    ASSERT_TRUE(double_->running()) << "first line: " << double_->first_line();
    // A canary in the folder every test reads: its value must never show up
    // in an error.
    ASSERT_FALSE(double_
                     ->Control("secret", {{"project", "team-a"},
                                          {"environment", "dev"},
                                          {"secretPath", "/"},
                                          {"secretKey", "CANARY"},
                                          {"secretValue", kCanary}})
                     .is_null());
    // The double serves plain http on loopback.
    options_.hosts.insecure_hosts = {"127.0.0.1"};
    client_ = NewInfisicalClient(clock_, options_);
    reader_ = {double_->api_base(), kReaderId, kReaderSecret};
  }

  void TearDown() override {
    for (const auto& m : messages_)
      for (const auto& bad : kNeverInMessages)
        EXPECT_EQ(m.find(bad), std::string::npos)
            << "'" << bad << "' in: " << m;
  }

  // The error of `r`, which must have failed; remembered for TearDown.
  template <typename T>
  Error Err(const Result<T>& r) {
    if (r) {
      ADD_FAILURE() << "expected an error";
      return Error(ErrorCode::kOk, "");
    }
    messages_.push_back(r.error().message());
    return r.error();
  }

  SecretScope Scope(std::string path = "/", bool recursive = false) {
    SecretScope s;
    s.project_slug = "team-a";
    s.environment = "dev";
    s.path = std::move(path);
    s.recursive = recursive;
    return s;
  }

  void Faults(const nlohmann::json& f) {
    ASSERT_FALSE(double_->Control("faults", f).is_null());
  }

  FakeClock clock_;
  ClientOptions options_;
  std::unique_ptr<InfisicalDouble> double_;
  std::unique_ptr<Client> client_;
  UniversalAuth reader_;
  std::vector<std::string> messages_;
};

TEST_F(InfisicalClientTest, ManyCallersOnOneScopeShareOneLoginAndOneList) {
  Faults({{"latency_ms", 100}});  // callers pile up behind the first fetch
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto r = client_->List(reader_, Scope(), seconds(60));
        if (r && ValueOf(**r, "DB_USER") == "app") ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 200);
  EXPECT_EQ(double_->Calls("login"), 1);
  EXPECT_EQ(double_->Calls("list"), 1);
  EXPECT_EQ(double_->Calls("renew"), 0);
  ClientStats s = client_->stats();
  EXPECT_EQ(s.logins, 1u);
  EXPECT_EQ(s.list_calls, 1u);
  EXPECT_EQ(s.shared_hits, 199u);
}

TEST_F(InfisicalClientTest, EachScopeIsListedOnce) {
  const std::vector<SecretScope> scopes = {
      Scope("/"), Scope("/db"), Scope("/db/replica"), Scope("/", true)};
  Faults({{"latency_ms", 30}});
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 12; ++i)
        if (!client_->List(reader_, scopes[(t + i) % scopes.size()],
                           seconds(60)))
          ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(double_->Calls("login"), 1);
  EXPECT_EQ(double_->Calls("list"), 4);
  // The same scope spelled differently is the same scope.
  ASSERT_TRUE(client_->List(reader_, Scope("db/"), seconds(60)));
  EXPECT_EQ(double_->Calls("list"), 4);
}

TEST_F(InfisicalClientTest, RefreshAfterMaxAgeRevalidatesWithETag) {
  auto first = client_->List(reader_, Scope(), seconds(10));
  ASSERT_TRUE(first) << first.error().message();
  clock_.Advance(seconds(5));
  ASSERT_TRUE(client_->List(reader_, Scope(), seconds(10)));
  EXPECT_EQ(double_->Calls("list"), 1);

  clock_.Advance(seconds(6));
  auto second = client_->List(reader_, Scope(), seconds(10));
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(double_->Calls("list"), 2);
  EXPECT_EQ(double_->CallsWithStatus("list", 304), 1);
  EXPECT_EQ(client_->stats().not_modified, 1u);
  EXPECT_EQ((*second)->fetched, clock_.Now());
  EXPECT_EQ(ValueOf(**second, "DB_USER"), "app");
  EXPECT_EQ((*second)->secrets.size(), (*first)->secrets.size());

  // A changed secret: a full answer again.
  ASSERT_FALSE(double_
                   ->Control("secret", {{"project", "team-a"},
                                        {"environment", "dev"},
                                        {"secretPath", "/"},
                                        {"secretKey", "DB_USER"},
                                        {"secretValue", "app2"}})
                   .is_null());
  clock_.Advance(seconds(11));
  auto third = client_->List(reader_, Scope(), seconds(10));
  ASSERT_TRUE(third);
  EXPECT_EQ(ValueOf(**third, "DB_USER"), "app2");
  EXPECT_EQ(double_->CallsWithStatus("list", 200), 2);
  EXPECT_EQ(client_->stats().not_modified, 1u);
}

// The reader's token lives 3600 s (max 7200 s). Both clocks move together.
TEST_F(InfisicalClientTest, RenewsBeforeExpiryThenLogsInAgainAtMaxTtl) {
  auto step = [&](int secs) {
    clock_.Advance(seconds(secs));
    double_->AdvanceClock(secs);
    auto r = client_->List(reader_, Scope(), milliseconds(0));
    ASSERT_TRUE(r) << r.error().message();
  };
  step(0);
  EXPECT_EQ(double_->Calls("login"), 1);
  step(2000);  // before 2/3 of the TTL: the token as is
  EXPECT_EQ(double_->Calls("renew"), 0);
  step(500);  // t=2500: past 2/3, renewal fits in the max TTL
  EXPECT_EQ(double_->Calls("renew"), 1);
  EXPECT_EQ(double_->Calls("login"), 1);
  step(2500);  // t=5000: a renewal would pass the max TTL; token good to 6100
  EXPECT_EQ(double_->Calls("renew"), 1);
  EXPECT_EQ(double_->Calls("login"), 1);
  step(1050);  // t=6050: near the end, a fresh login
  EXPECT_EQ(double_->Calls("login"), 2);
  EXPECT_EQ(double_->Calls("renew"), 1);
  EXPECT_EQ(double_->CallsWithStatus("list", 403), 0);
  EXPECT_EQ(client_->stats().renewals, 1u);
}

TEST_F(InfisicalClientTest, ExpiredTokenOnReadGetsOneReLogin) {
  ASSERT_TRUE(client_->List(reader_, Scope(), milliseconds(0)));
  double_->AdvanceClock(3700);  // the server sees the token expired
  auto r = client_->List(reader_, Scope(), milliseconds(0));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(double_->CallsWithStatus("list", 403), 1);
  EXPECT_EQ(double_->Calls("login"), 2);
  EXPECT_EQ(double_->Calls("list"), 3);

  double_->AdvanceClock(3700);
  auto g = client_->Get(reader_, Scope(), "DB_HOST");
  ASSERT_TRUE(g) << g.error().message();
  EXPECT_EQ(AsString(g->value), "db.internal");
  EXPECT_EQ(double_->CallsWithStatus("get", 403), 1);
  EXPECT_EQ(double_->Calls("login"), 3);
}

TEST_F(InfisicalClientTest, BadSecretBacksOffThenStopsAtLockout) {
  UniversalAuth bad = reader_;
  bad.client_secret = "wrong-secret-123456";
  auto attempt = [&](const UniversalAuth& a) { return client_->Verify(a); };

  EXPECT_EQ(Err(attempt(bad)).code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(double_->Calls("login"), 1);
  Error cached = Err(attempt(bad));  // within the backoff: no request
  EXPECT_EQ(cached.code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(cached.message().find("next login attempt in 30 s"),
            std::string::npos)
      << cached.message();
  EXPECT_EQ(double_->Calls("login"), 1);

  clock_.Advance(seconds(30));
  EXPECT_EQ(Err(attempt(bad)).code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(double_->Calls("login"), 2);
  clock_.Advance(seconds(60));
  Error third = Err(attempt(bad));
  EXPECT_NE(third.message().find("locks the identity"), std::string::npos)
      << third.message();
  EXPECT_EQ(double_->Calls("login"), 3);

  // Locked (by the server too): nobody tries, not even the right secret.
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(seconds(59));
    EXPECT_EQ(Err(attempt(bad)).code(), ErrorCode::kUnauthenticated);
    EXPECT_EQ(Err(attempt(reader_)).code(), ErrorCode::kUnauthenticated);
  }
  EXPECT_EQ(double_->Calls("login"), 3);

  // Past our 300 s (the double's lock, in its own time, still runs): one try,
  // the server says "locked", another 300 s.
  clock_.Advance(seconds(10));
  Error locked = Err(attempt(reader_));
  EXPECT_NE(locked.message().find("temporarily locked"), std::string::npos)
      << locked.message();
  EXPECT_EQ(double_->Calls("login"), 4);
  clock_.Advance(seconds(299));
  EXPECT_EQ(Err(attempt(reader_)).code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(double_->Calls("login"), 4);

  double_->AdvanceClock(301);
  clock_.Advance(seconds(2));
  auto ok = attempt(reader_);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(double_->Calls("login"), 5);
}

TEST_F(InfisicalClientTest, WrongSecretDoesNotGetTheSharedTokenOrList) {
  ASSERT_TRUE(client_->List(reader_, Scope(), seconds(60)));
  UniversalAuth bad = reader_;
  bad.client_secret = "wrong-secret-123456";
  EXPECT_EQ(Err(client_->List(bad, Scope(), seconds(60))).code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(double_->Calls("login"), 2);
  // The right secret still has its token and its cached list.
  ASSERT_TRUE(client_->List(reader_, Scope(), seconds(60)));
  EXPECT_EQ(double_->Calls("login"), 2);
  EXPECT_EQ(double_->Calls("list"), 1);
}

TEST_F(InfisicalClientTest, RateLimitClosesTheHostUntilRetryAfter) {
  ASSERT_TRUE(client_->Verify(reader_));
  Faults(
      {{"rate_limit_next", 1}, {"retry_after_s", 20}, {"endpoints", {"list"}}});
  Error first = Err(client_->List(reader_, Scope(), milliseconds(0)));
  EXPECT_EQ(first.code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(first.message().find("20 s"), std::string::npos) << first.message();
  const long long total = double_->Calls("total");

  clock_.Advance(seconds(15));
  Error fast = Err(client_->List(reader_, Scope("/db"), milliseconds(0)));
  EXPECT_EQ(fast.code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(fast.message().find("retry in 5 s"), std::string::npos)
      << fast.message();
  EXPECT_EQ(Err(client_->Get(reader_, Scope(), "DB_USER")).code(),
            ErrorCode::kResourceExhausted);
  // The whole host: another identity does not log in either.
  UniversalAuth team_b{double_->api_base(), "team-b-client-id",
                       "team-b-client-secret"};
  EXPECT_EQ(Err(client_->Verify(team_b)).code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(double_->Calls("total"), total);
  EXPECT_EQ(client_->stats().rate_limited, 4u);

  clock_.Advance(seconds(5));
  auto r = client_->List(reader_, Scope(), milliseconds(0));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(double_->Calls("total"), total + 1);
}

TEST_F(InfisicalClientTest, ServerAndNetworkFailuresAreUnavailable) {
  ASSERT_TRUE(client_->Verify(reader_));
  for (int status : {500, 502, 503, 504}) {
    Faults({{"fail_next", 1},
            {"fail_status", status},
            {"endpoints", {"list", "get"}}});
    Error e = Err(client_->List(reader_, Scope(), milliseconds(0)));
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable) << status;
    EXPECT_NE(e.message().find("HTTP " + std::to_string(status)),
              std::string::npos)
        << e.message();
    // No block after a failed read: the next call goes out and works.
    EXPECT_TRUE(client_->List(reader_, Scope(), milliseconds(0)));
  }
  Faults({{"fail_next", 1}, {"fail_status", 503}, {"endpoints", {"login"}}});
  UniversalAuth team_b{double_->api_base(), "team-b-client-id",
                       "team-b-client-secret"};
  EXPECT_EQ(Err(client_->Verify(team_b)).code(), ErrorCode::kUnavailable);

  UniversalAuth nowhere = reader_;
  nowhere.host_api = "http://127.0.0.1:1/api";
  Error net = Err(client_->Verify(nowhere));
  EXPECT_EQ(net.code(), ErrorCode::kUnavailable);
  EXPECT_NE(net.message().find("127.0.0.1:1"), std::string::npos)
      << net.message();
}

TEST_F(InfisicalClientTest, GetReadsKeysFoldersAndImports) {
  auto pw = client_->Get(reader_, Scope(), "/db/PASSWORD");
  ASSERT_TRUE(pw) << pw.error().message();
  EXPECT_EQ(AsString(pw->value), "s3cr3t-db-password");
  EXPECT_EQ(pw->key, "PASSWORD");
  EXPECT_EQ(pw->path, "/db");
  auto replica = client_->Get(reader_, Scope("/db"), "replica/REPLICA_HOST");
  ASSERT_TRUE(replica) << replica.error().message();
  EXPECT_EQ(AsString(replica->value), "replica.internal");
  auto url = client_->Get(reader_, Scope(), "DB_URL");
  ASSERT_TRUE(url);
  EXPECT_EQ(AsString(url->value), "postgres://app@db.internal/orders");
  auto imported = client_->Get(reader_, Scope(), "SHARED_TOKEN");
  ASSERT_TRUE(imported) << imported.error().message();
  EXPECT_EQ(AsString(imported->value), "orders-token");
  auto api_key = client_->Get(reader_, Scope(), "API_KEY");
  ASSERT_TRUE(api_key);
  EXPECT_EQ(api_key->version, 3);
  EXPECT_EQ(double_->Calls("login"), 1);
}

TEST_F(InfisicalClientTest, MissingKeyIsNotFoundNamingIt) {
  Error e = Err(client_->Get(reader_, Scope(), "DB_PASS"));
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  EXPECT_NE(e.message().find("key DB_PASS not found in team-a/dev:/"),
            std::string::npos)
      << e.message();
  Error folder = Err(client_->Get(reader_, Scope(), "/nope/X_KEY"));
  EXPECT_EQ(folder.code(), ErrorCode::kNotFound);
  EXPECT_NE(folder.message().find("key X_KEY not found in team-a/dev:/nope"),
            std::string::npos)
      << folder.message();
  EXPECT_EQ(Err(client_->Get(reader_, Scope(), "/db/")).code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(InfisicalClientTest, OtherProjectIsPermissionDenied) {
  UniversalAuth team_b{double_->api_base(), "team-b-client-id",
                       "team-b-client-secret"};
  EXPECT_EQ(Err(client_->List(team_b, Scope(), seconds(60))).code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(Err(client_->Get(team_b, Scope(), "CANARY")).code(),
            ErrorCode::kPermissionDenied);
  SecretScope b = Scope();
  b.project_slug = "team-b";
  auto r = client_->List(team_b, b, seconds(60));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(ValueOf(**r, "ONLY_B"), "b-value");
}

TEST_F(InfisicalClientTest, ListMergesImportsAndOwnSecretsWin) {
  auto r = client_->List(reader_, Scope(), seconds(0));
  ASSERT_TRUE(r) << r.error().message();
  const SecretList& l = **r;
  EXPECT_EQ(ValueOf(l, "DB_URL"), "postgres://app@db.internal/orders");
  EXPECT_EQ(ValueOf(l, "DANGLING"), "x-${NO_SUCH_KEY}-y");
  EXPECT_EQ(ValueOf(l, "DB_NAME"), "orders");  // imported from prod:/shared
  EXPECT_EQ(ValueOf(l, "SHARED_TOKEN"), "orders-token");
  EXPECT_EQ(l.Find("DB_NAME")->path, "/shared");

  ASSERT_FALSE(double_
                   ->Control("secret", {{"project", "team-a"},
                                        {"environment", "dev"},
                                        {"secretPath", "/"},
                                        {"secretKey", "DB_NAME"},
                                        {"secretValue", "own-db"}})
                   .is_null());
  auto again = client_->List(reader_, Scope(), seconds(0));
  ASSERT_TRUE(again);
  EXPECT_EQ(ValueOf(**again, "DB_NAME"), "own-db");
  int n = 0;
  for (const auto& s : (*again)->secrets) n += s.key == "DB_NAME";
  EXPECT_EQ(n, 1);

  SecretScope no_imports = Scope();
  no_imports.include_imports = false;
  no_imports.expand_references = false;
  auto bare = client_->List(reader_, no_imports, seconds(0));
  ASSERT_TRUE(bare);
  EXPECT_EQ(ValueOf(**bare, "SHARED_TOKEN"), "<missing>");
  EXPECT_EQ(ValueOf(**bare, "DB_URL"),
            "postgres://${DB_USER}@${DB_HOST}/${prod.shared.DB_NAME}");
}

TEST_F(InfisicalClientTest, LaterImportWinsAndSecondLevelImportsArrive) {
  nlohmann::json seed = {
      {"identities",
       {{{"name", "reader"},
         {"clientId", kReaderId},
         {"clientSecret", kReaderSecret}}}},
      {"projects",
       {{{"slug", "team-a"},
         {"environments",
          {{"dev",
            {{"folders",
              {{"/",
                {{"secrets", {{"OWN", "own"}}},
                 {"imports",
                  {{{"environment", "prod"}, {"secretPath", "/a"}},
                   {{"environment", "prod"}, {"secretPath", "/b"}}}}}}}}}},
           {"prod",
            {{"folders",
              {{"/a", {{"secrets", {{"K", "from-a"}, {"A_ONLY", "a"}}}}},
               {"/b",
                {{"secrets", {{"K", "from-b"}}},
                 {"imports",
                  {{{"environment", "prod"}, {"secretPath", "/c"}}}}}},
               {"/c", {{"secrets", {{"C_ONLY", "c"}}}}}}}}}}}}}}};
  ASSERT_FALSE(double_->Control("seed", seed).is_null());
  auto r = client_->List(reader_, Scope(), seconds(0));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(ValueOf(**r, "OWN"), "own");
  EXPECT_EQ(ValueOf(**r, "K"), "from-b");
  EXPECT_EQ(ValueOf(**r, "A_ONLY"), "a");
  EXPECT_EQ(ValueOf(**r, "C_ONLY"), "c");
  // Get's fallback agrees with the list.
  auto k = client_->Get(reader_, Scope(), "K");
  ASSERT_TRUE(k) << k.error().message();
  EXPECT_EQ(AsString(k->value), "from-b");
}

TEST_F(InfisicalClientTest, RecursiveListKeepsEachSecretsFolder) {
  auto r = client_->List(reader_, Scope("/", true), seconds(60));
  ASSERT_TRUE(r) << r.error().message();
  const SecretList& l = **r;
  ASSERT_NE(l.Find("/db/PASSWORD"), nullptr);
  EXPECT_EQ(l.Find("/db/PASSWORD")->path, "/db");
  EXPECT_EQ(ValueOf(l, "PASSWORD"), "s3cr3t-db-password");
  EXPECT_EQ(ValueOf(l, "db/replica/REPLICA_HOST"), "replica.internal");
  EXPECT_EQ(ValueOf(l, "/DB_USER"), "app");
  EXPECT_EQ(l.Find("/db/DB_USER"), nullptr);

  auto sub = client_->List(reader_, Scope("/db", true), seconds(60));
  ASSERT_TRUE(sub) << sub.error().message();
  EXPECT_EQ(ValueOf(**sub, "/replica/REPLICA_HOST"), "replica.internal");
  EXPECT_EQ(ValueOf(**sub, "/db/replica/REPLICA_HOST"), "replica.internal");
  EXPECT_EQ(ValueOf(**sub, "DB_USER"), "<missing>");
}

TEST_F(InfisicalClientTest, BadInputIsInvalidArgumentWithoutRequests) {
  UniversalAuth no_secret = reader_;
  no_secret.client_secret.clear();
  EXPECT_EQ(Err(client_->Verify(no_secret)).code(),
            ErrorCode::kInvalidArgument);
  SecretScope no_env = Scope();
  no_env.environment.clear();
  EXPECT_EQ(Err(client_->List(reader_, no_env, seconds(1))).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(double_->Calls("total"), 0);
}

}  // namespace
}  // namespace sealsync::vault

namespace sealsync::vault {
namespace {

// The operator's admin decides which hosts a store may name; a tenant's
// hostAPI elsewhere (where the client secret would be POSTed) gets no
// request at all.
TEST_F(InfisicalClientTest, HostsOutsideThePolicyGetNoRequest) {
  const uint64_t before = double_->Calls("total");
  UniversalAuth plain = reader_;
  // Same server, but by a name that is not listed as insecure: http refused.
  plain.host_api = "http://localhost:" +
                   reader_.host_api.substr(reader_.host_api.rfind(':') + 1);
  Error e = Err(client_->Verify(plain));
  EXPECT_EQ(e.code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(e.message().find("must be called over https"), std::string::npos)
      << e.message();
  UniversalAuth other = reader_;
  other.host_api = "ftp://127.0.0.1/api";  // refused before any request
  EXPECT_EQ(Err(client_->Verify(other)).code(), ErrorCode::kInvalidArgument);

  ClientOptions only_cloud = options_;
  only_cloud.hosts.allowed_hosts = {"app.infisical.com"};
  auto strict = NewInfisicalClient(clock_, only_cloud);
  Error denied = Err(strict->Verify(reader_));
  EXPECT_EQ(denied.code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(denied.message().find("vault host 127.0.0.1 is not allowed"),
            std::string::npos)
      << denied.message();
  EXPECT_EQ(denied.message().find(kReaderSecret), std::string::npos);
  EXPECT_EQ(double_->Calls("total"), before);
}

// A store may point clientId at any Secret key of its namespace: a failed
// login must not carry that value (nor the secret) into the error, which
// becomes the store's status.
TEST_F(InfisicalClientTest, LoginErrorsNameNoCredential) {
  UniversalAuth bait{double_->api_base(), std::string(kCanary),
                     "some-other-teams-secret-value"};
  Error e = Err(client_->Verify(bait));
  EXPECT_EQ(e.code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(e.message().find(kCanary), std::string::npos) << e.message();
  EXPECT_EQ(e.message().find("some-other-teams-secret-value"),
            std::string::npos)
      << e.message();
}

// A server that answers more than the cap is cut off while it sends, not
// buffered whole.
TEST_F(InfisicalClientTest, OversizedAnswersAreRefused) {
  ClientOptions small = options_;
  small.max_response_bytes = 64;
  auto client = NewInfisicalClient(clock_, small);
  Error e = Err(client->Verify(reader_));
  EXPECT_EQ(e.code(), ErrorCode::kResourceExhausted) << e.message();
  EXPECT_NE(e.message().find("larger than 64 bytes"), std::string::npos)
      << e.message();
  // The same call with the default cap works.
  EXPECT_TRUE(client_->Verify(reader_));
}

}  // namespace
}  // namespace sealsync::vault
