// Tests for infisical-double: runs the binary (port 0) on
// tests/testdata/infisical/seed.json and talks to it over HTTP with libcurl,
// checking each endpoint's JSON as Infisical's backend shapes it.
#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

constexpr char kReaderId[] = "0f1e2d3c-reader-client-id";
constexpr char kReaderSecret[] = "reader-client-secret-0001";
constexpr char kProjectId[] = "6f4a2c1e-9b7d-4e3f-8a21-5c0d9e8b7a61";

std::string SeedPath() {
  return std::string(SEALSYNC_TESTDATA) + "/infisical/seed.json";
}

// One running infisical-double. Its stdin is a pipe we hold, so it exits
// (--exit-on-stdin-eof) even if this test process dies.
class DoubleProcess {
 public:
  explicit DoubleProcess(std::vector<std::string> extra = {}) {
    log_path_ = (fs::temp_directory_path() /
                 ("infisical-double-" + std::to_string(getpid()) + "-" +
                  std::to_string(counter_++) + ".log"))
                    .string();
    int out[2], in[2];
    if (pipe(out) != 0 || pipe(in) != 0) return;
    std::vector<std::string> args = {
        INFISICAL_DOUBLE_BINARY, "--seed", SeedPath(), "--port", "0",
        "--exit-on-stdin-eof"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, log_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0)
      pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    stdin_w_ = in[1];
    fcntl(stdin_w_, F_SETFD, FD_CLOEXEC);
    // The first stdout line, within a deadline.
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (pid_ > 0 && line.find('\n') == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char c[256];
      ssize_t n = read(out[0], c, sizeof c);
      if (n <= 0) break;
      line.append(c, static_cast<size_t>(n));
    }
    close(out[0]);
    first_line_ = line.substr(0, line.find('\n'));
    const std::string prefix = "listening on 127.0.0.1:";
    if (first_line_.starts_with(prefix))
      port_ = std::stoi(first_line_.substr(prefix.size()));
  }
  ~DoubleProcess() {
    if (stdin_w_ >= 0) close(stdin_w_);
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st;
      waitpid(pid_, &st, 0);
    }
    std::error_code ec;
    fs::remove(log_path_, ec);
  }
  int port() const { return port_; }
  const std::string& first_line() const { return first_line_; }
  std::string Log() const {
    std::ifstream f(log_path_);
    std::stringstream b;
    b << f.rdbuf();
    return b.str();
  }

 private:
  static inline int counter_ = 0;
  pid_t pid_ = -1;
  int stdin_w_ = -1, port_ = 0;
  std::string first_line_, log_path_;
};

struct Response {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-cased names
  Json json() const { return Json::parse(body, nullptr, false); }
};

size_t WriteBody(char* p, size_t s, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(p, s * n);
  return s * n;
}
size_t WriteHeader(char* p, size_t s, size_t n, void* ud) {
  std::string line(p, s * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon), value = line.substr(colon + 1);
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
      value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(ud))[name] = value;
  }
  return s * n;
}

Response Http(const std::string& base, const std::string& method,
              const std::string& path,
              const std::optional<Json>& body = std::nullopt,
              const std::vector<std::string>& headers = {},
              const std::string& ca_file = "") {
  Response r;
  CURL* c = curl_easy_init();
  std::string url = base + path, payload = body ? body->dump() : "";
  curl_slist* hs = nullptr;
  if (body) hs = curl_slist_append(hs, "content-type: application/json");
  for (const auto& h : headers) hs = curl_slist_append(hs, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  if (!ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, ca_file.c_str());
  if (curl_easy_perform(c) == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(hs);
  curl_easy_cleanup(c);
  return r;
}

std::set<std::string> Keys(const Json& o) {
  std::set<std::string> k;
  for (auto it = o.begin(); it != o.end(); ++it) k.insert(it.key());
  return k;
}

void ExpectError(const Response& r, int status, const std::string& error,
                 const std::string& message) {
  EXPECT_EQ(r.status, status) << r.body;
  Json j = r.json();
  EXPECT_EQ(Keys(j),
            (std::set<std::string>{"reqId", "statusCode", "message", "error"}))
      << r.body;
  EXPECT_TRUE(j.value("reqId", "").starts_with("req-")) << r.body;
  EXPECT_EQ(j.value("statusCode", 0), status);
  EXPECT_EQ(j.value("error", ""), error) << r.body;
  if (!message.empty()) {
    EXPECT_EQ(j.value("message", ""), message) << r.body;
  }
}

class InfisicalDoubleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    proc_ = new DoubleProcess();
  }
  static void TearDownTestSuite() {
    delete proc_;
    proc_ = nullptr;
  }
  void SetUp() override {
    ASSERT_GT(proc_->port(), 0) << "first line: " << proc_->first_line();
    base_ = "http://127.0.0.1:" + std::to_string(proc_->port());
    ASSERT_EQ(Control("/__control/reset").status, 200);
  }

  Response Control(const std::string& path, const Json& body = Json::object()) {
    return Http(base_, "POST", path, body);
  }
  Response Login(const std::string& id = kReaderId,
                 const std::string& secret = kReaderSecret) {
    return Http(base_, "POST", "/api/v1/auth/universal-auth/login",
                Json{{"clientId", id}, {"clientSecret", secret}});
  }
  std::string Token(const std::string& id = kReaderId,
                    const std::string& secret = kReaderSecret) {
    return Login(id, secret).json().value("accessToken", "");
  }
  Response Get(const std::string& path, const std::string& token,
               std::vector<std::string> headers = {}) {
    if (!token.empty()) headers.push_back("authorization: Bearer " + token);
    return Http(base_, "GET", path, std::nullopt, headers);
  }
  Json Calls() { return Http(base_, "GET", "/__control/calls").json(); }

  static inline DoubleProcess* proc_ = nullptr;
  std::string base_;
};

const std::string kList =
    "/api/v3/secrets/raw?workspaceSlug=team-a&environment=dev";

TEST_F(InfisicalDoubleTest, FirstLineNamesTheBoundLoopbackPort) {
  EXPECT_TRUE(proc_->first_line().starts_with("listening on 127.0.0.1:"));
  EXPECT_NE(proc_->port(), 0);
}

TEST_F(InfisicalDoubleTest, LoginAnswersTheUniversalAuthShape) {
  Response r = Login();
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = r.json();
  EXPECT_EQ(Keys(j), (std::set<std::string>{"accessToken", "expiresIn",
                                            "accessTokenMaxTTL", "tokenType"}));
  EXPECT_EQ(j["tokenType"], "Bearer");
  EXPECT_EQ(j["expiresIn"], 3600);
  EXPECT_EQ(j["accessTokenMaxTTL"], 7200);
  std::string t = j["accessToken"];
  EXPECT_EQ(std::count(t.begin(), t.end(), '.'), 2) << "a JWT";
}

TEST_F(InfisicalDoubleTest, BadCredentialsAre401WithTheServersErrorBody) {
  ExpectError(Login(kReaderId, "wrong"), 401, "UnauthorizedError",
              "Invalid credentials");
  ExpectError(Login("no-such-client", "x"), 401, "UnauthorizedError",
              "Invalid credentials");
}

TEST_F(InfisicalDoubleTest, ThreeBadLoginsLockTheIdentityFor300Seconds) {
  for (int i = 0; i < 3; ++i)
    ExpectError(Login(kReaderId, "wrong"), 401, "UnauthorizedError",
                "Invalid credentials");
  const std::string locked =
      "This identity auth method is temporarily locked, please try again later";
  ExpectError(Login(), 401, "UnauthorizedError", locked);
  Control("/__control/clock", {{"advance_seconds", 299}});
  ExpectError(Login(), 401, "UnauthorizedError", locked);
  Control("/__control/clock", {{"advance_seconds", 2}});
  EXPECT_EQ(Login().status, 200);
}

TEST_F(InfisicalDoubleTest, FailureCounterResetsAfter30QuietSeconds) {
  ExpectError(Login(kReaderId, "wrong"), 401, "UnauthorizedError",
              "Invalid credentials");
  ExpectError(Login(kReaderId, "wrong"), 401, "UnauthorizedError",
              "Invalid credentials");
  Control("/__control/clock", {{"advance_seconds", 31}});
  ExpectError(Login(kReaderId, "wrong"), 401, "UnauthorizedError",
              "Invalid credentials");
  EXPECT_EQ(Login().status, 200) << "only one failure counted since the reset";
}

TEST_F(InfisicalDoubleTest, MissingLoginFieldsAre422ValidationFailure) {
  Response r = Http(base_, "POST", "/api/v1/auth/universal-auth/login",
                    Json{{"clientId", kReaderId}});
  EXPECT_EQ(r.status, 422);
  Json j = r.json();
  EXPECT_EQ(j["error"], "ValidationFailure");
  ASSERT_TRUE(j["message"].is_array());
  EXPECT_EQ(j["message"][0]["path"], Json::array({"clientSecret"}));
}

TEST_F(InfisicalDoubleTest, ListAnswersSecretsAndImportsInTheRawShape) {
  Response r = Get(kList, Token());
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = r.json();
  EXPECT_EQ(Keys(j), (std::set<std::string>{"secrets", "imports"}));
  ASSERT_EQ(j["secrets"].size(), 5u);
  const Json& s = j["secrets"][3];
  EXPECT_EQ(Keys(s), (std::set<std::string>{"id",
                                            "_id",
                                            "workspace",
                                            "environment",
                                            "version",
                                            "type",
                                            "secretKey",
                                            "secretValue",
                                            "secretComment",
                                            "secretReminderNote",
                                            "secretReminderRepeatDays",
                                            "skipMultilineEncoding",
                                            "createdAt",
                                            "updatedAt",
                                            "isRotatedSecret",
                                            "rotationId",
                                            "secretPath",
                                            "secretValueHidden",
                                            "secretMetadata",
                                            "tags"}));
  EXPECT_EQ(s["secretKey"], "API_KEY");
  EXPECT_EQ(s["secretValue"], "dev-api-key-7f3a91");
  EXPECT_EQ(s["secretComment"], "rotated monthly");
  EXPECT_EQ(s["version"], 3);
  EXPECT_EQ(s["type"], "shared");
  EXPECT_EQ(s["workspace"], kProjectId);
  EXPECT_EQ(s["environment"], "dev");
  EXPECT_EQ(s["secretPath"], "/");
  EXPECT_EQ(s["id"], s["_id"]);
  EXPECT_EQ(s["tags"][0]["slug"], "billing");
  EXPECT_EQ(j["imports"], Json::array())
      << "imports only when include_imports=true";
  // The same project by id answers the same body.
  Response by_id =
      Get("/api/v3/secrets/raw?workspaceId=" + std::string(kProjectId) +
              "&environment=dev",
          Token());
  EXPECT_EQ(by_id.body, r.body);
}

TEST_F(InfisicalDoubleTest, RecursiveListingWalksSubFoldersWithTheirPaths) {
  std::string t = Token();
  Json flat = Get(kList + "&secretPath=/db", t).json();
  ASSERT_EQ(flat["secrets"].size(), 1u);
  EXPECT_EQ(flat["secrets"][0]["secretPath"], "/db");
  Json deep = Get(kList + "&secretPath=/db/&recursive=true", t).json();
  ASSERT_EQ(deep["secrets"].size(), 2u);
  EXPECT_EQ(deep["secrets"][0]["secretKey"], "PASSWORD");
  EXPECT_EQ(deep["secrets"][1]["secretKey"], "REPLICA_HOST");
  EXPECT_EQ(deep["secrets"][1]["secretPath"], "/db/replica");
  Json all = Get(kList + "&recursive=true", t).json();
  EXPECT_EQ(all["secrets"].size(), 7u);
  Response none = Get(kList + "&secretPath=/nope", t);
  EXPECT_EQ(none.status, 200);
  EXPECT_EQ(none.json()["secrets"], Json::array());
  ExpectError(Get(kList + "&recursive=yes", t), 422, "ValidationFailure", "");
}

TEST_F(InfisicalDoubleTest, ImportsCarryTheImportedEnvAndPath) {
  Json j = Get(kList + "&include_imports=true", Token()).json();
  ASSERT_EQ(j["imports"].size(), 1u);
  const Json& imp = j["imports"][0];
  EXPECT_EQ(Keys(imp), (std::set<std::string>{"secretPath", "environment",
                                              "folderId", "secrets"}));
  EXPECT_EQ(imp["environment"], "prod");
  EXPECT_EQ(imp["secretPath"], "/shared");
  ASSERT_EQ(imp["secrets"].size(), 2u);
  std::map<std::string, std::string> values;
  for (const auto& s : imp["secrets"]) {
    EXPECT_EQ(s["workspace"], "") << "as fnSecretsV2FromImports sets it";
    EXPECT_EQ(s["environment"], "prod");
    EXPECT_FALSE(s.contains("secretPath"));
    values[s["secretKey"]] = s["secretValue"];
  }
  EXPECT_EQ(values["DB_NAME"], "orders");
  EXPECT_EQ(values["SHARED_TOKEN"], "orders-token")
      << "imported values are expanded in place";
}

TEST_F(InfisicalDoubleTest, ReferencesExpandOnlyWhenAsked) {
  std::string t = Token();
  auto value_of = [&](const Json& list, const std::string& key) -> std::string {
    for (const auto& s : list["secrets"])
      if (s["secretKey"] == key) return s["secretValue"];
    return "<absent>";
  };
  Json raw = Get(kList, t).json();
  EXPECT_EQ(value_of(raw, "DB_URL"),
            "postgres://${DB_USER}@${DB_HOST}/${prod.shared.DB_NAME}");
  Json expanded = Get(kList + "&expandSecretReferences=true", t).json();
  EXPECT_EQ(value_of(expanded, "DB_URL"), "postgres://app@db.internal/orders");
  EXPECT_EQ(value_of(expanded, "DANGLING"), "x-${NO_SUCH_KEY}-y")
      << "unknown refs stay";
  Json one =
      Get("/api/v3/secrets/raw/DB_URL?workspaceSlug=team-a&environment=dev"
          "&expandSecretReferences=true",
          t)
          .json();
  EXPECT_EQ(one["secret"]["secretValue"], "postgres://app@db.internal/orders");
}

TEST_F(InfisicalDoubleTest, GetByNameAnswersOneSecretOr404) {
  std::string t = Token();
  Response r =
      Get("/api/v3/secrets/raw/PASSWORD?workspaceSlug=team-a&environment=dev"
          "&secretPath=/db&type=shared",
          t);
  ASSERT_EQ(r.status, 200) << r.body;
  Json s = r.json()["secret"];
  EXPECT_EQ(s["secretKey"], "PASSWORD");
  EXPECT_EQ(s["secretValue"], "s3cr3t-db-password");
  EXPECT_EQ(s["secretPath"], "/db");
  EXPECT_EQ(s["secretValueHidden"], false);
  EXPECT_FALSE(s.contains("user"));
  ExpectError(
      Get("/api/v3/secrets/raw/NOPE?workspaceSlug=team-a&environment=dev", t),
      404, "NotFound", "Secret with name 'NOPE' not found");
  ExpectError(
      Get("/api/v3/secrets/raw/"
          "X?workspaceSlug=team-a&environment=dev&secretPath=/zz",
          t),
      404, "GetSecretByName",
      "Folder with path '/zz' in environment with slug 'dev' not found");
  // From an import only with include_imports.
  EXPECT_EQ(
      Get("/api/v3/secrets/raw/DB_NAME?workspaceSlug=team-a&environment=dev", t)
          .status,
      404);
  Json imported =
      Get("/api/v3/secrets/raw/DB_NAME?workspaceSlug=team-a&environment=dev"
          "&include_imports=true",
          t)
          .json()["secret"];
  EXPECT_EQ(imported["secretValue"], "orders");
  EXPECT_EQ(imported["environment"], "prod");
  EXPECT_EQ(imported["secretPath"], "/shared");
}

TEST_F(InfisicalDoubleTest, BearerTokenIsRequiredAndChecked) {
  ExpectError(Get(kList, ""), 401, "UnauthorizedError", "Token missing");
  ExpectError(Get(kList, "not-a-jwt"), 403, "TokenError",
              "The provided access token is malformed. Please use a valid "
              "token or generate "
              "a new one and try again.");
  std::string t = Token();
  t.back() = t.back() == 'A' ? 'B' : 'A';
  ExpectError(Get(kList, t), 403, "TokenError", "invalid signature");
}

TEST_F(InfisicalDoubleTest, ExpiredTokenIs403TokenError) {
  std::string t = Token();
  ASSERT_EQ(Get(kList, t).status, 200);
  Control("/__control/clock", {{"advance_seconds", 3600}});
  ExpectError(Get(kList, t), 403, "TokenError",
              "Your token has expired. Please re-authenticate.");
}

TEST_F(InfisicalDoubleTest, OneSecondTokenExpiresInRealTime) {
  Json login = Login("short-ttl-client-id", "short-ttl-client-secret").json();
  EXPECT_EQ(login["expiresIn"], 1);
  std::string t = login["accessToken"];
  long status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    status = Get(kList, t).status;
    if (status == 403) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, 403);
}

TEST_F(InfisicalDoubleTest, RenewExtendsUntilMaxTtlThenFails) {
  std::string t = Token();
  Control("/__control/clock", {{"advance_seconds", 3000}});
  Response r =
      Http(base_, "POST", "/api/v1/auth/token/renew", Json{{"accessToken", t}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = r.json();
  EXPECT_EQ(Keys(j), (std::set<std::string>{"accessToken", "expiresIn",
                                            "accessTokenMaxTTL", "tokenType"}));
  EXPECT_EQ(j["expiresIn"], 3600);
  std::string renewed = j["accessToken"];
  EXPECT_NE(renewed, t);
  Control("/__control/clock",
          {{"advance_seconds", 700}});  // old JWT now expired
  ExpectError(Get(kList, t), 403, "TokenError",
              "Your token has expired. Please re-authenticate.");
  EXPECT_EQ(Get(kList, renewed).status, 200);
  ExpectError(Http(base_, "POST", "/api/v1/auth/token/renew",
                   Json{{"accessToken", renewed}}),
              401, "UnauthorizedError",
              "Failed to renew MI access token past its Max TTL expiration");
  ExpectError(Get(kList, renewed), 401, "UnauthorizedError",
              "No identity access token found");
}

TEST_F(InfisicalDoubleTest, RevokedTokenIsRefused) {
  std::string t = Token();
  Response r = Http(base_, "POST", "/api/v1/auth/token/revoke",
                    Json{{"accessToken", t}});
  EXPECT_EQ(r.json(), (Json{{"message", "Successfully revoked access token"}}));
  ExpectError(Get(kList, t), 401, "UnauthorizedError",
              "No identity access token found");
}

TEST_F(InfisicalDoubleTest, ProjectScopeErrors) {
  std::string b = Token("team-b-client-id", "team-b-client-secret");
  Response r = Get(kList, b);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["error"], "ProjectMembershipNotFound");
  std::string t = Token();
  EXPECT_EQ(
      Get("/api/v3/secrets/raw?workspaceSlug=nope&environment=dev", t).status,
      404);
  ExpectError(Get("/api/v3/secrets/raw?workspaceSlug=team-a", t), 400,
              "BadRequest", "Missing project id or environment");
}

TEST_F(InfisicalDoubleTest, RateLimitFaultAnswers429WithRetryAfter) {
  std::string t = Token();
  Control("/__control/faults", {{"rate_limit_next", 2}, {"retry_after_s", 7}});
  for (int i = 0; i < 2; ++i) {
    Response r = Get(kList, t);
    ExpectError(r, 429, "RateLimitExceeded",
                "Rate limit exceeded. Please try again in 7 seconds");
    EXPECT_EQ(r.headers["retry-after"], "7");
  }
  EXPECT_EQ(Get(kList, t).status, 200);
  Control("/__control/faults",
          {{"rate_limit_all", true}, {"endpoints", {"list"}}});
  EXPECT_EQ(Get(kList, t).status, 429);
  EXPECT_EQ(Login().status, 200) << "login is not in the fault's endpoints";
  Control("/__control/faults", {{"rate_limit_all", false}});
  EXPECT_EQ(Get(kList, t).status, 200);
}

TEST_F(InfisicalDoubleTest, FailNextAnswersServerErrors) {
  std::string t = Token();
  Control("/__control/faults", {{"fail_next", 1}, {"fail_status", 500}});
  ExpectError(Get(kList, t), 500, "InternalServerError",
              "Something went wrong");
  Control("/__control/faults", {{"fail_next", 1}, {"fail_status", 503}});
  Response r = Get(kList, t);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "Service Unavailable");
  EXPECT_EQ(Get(kList, t).status, 200);
}

TEST_F(InfisicalDoubleTest, LatencyFaultDelaysAnswers) {
  std::string t = Token();
  Control("/__control/faults", {{"latency_ms", 300}});
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Get(kList, t).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(300));
}

TEST_F(InfisicalDoubleTest, EtagGives304UntilTheDataChanges) {
  std::string t = Token();
  Response first = Get(kList, t);
  std::string etag = first.headers["etag"];
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.front(), '"');
  Response same = Get(kList, t, {"if-none-match: " + etag});
  EXPECT_EQ(same.status, 304);
  EXPECT_EQ(same.body, "");
  EXPECT_EQ(same.headers["etag"], etag);
  ASSERT_EQ(Control("/__control/secret", {{"project", "team-a"},
                                          {"environment", "dev"},
                                          {"secretKey", "DB_USER"},
                                          {"secretValue", "app2"}})
                .status,
            200);
  Response changed = Get(kList, t, {"if-none-match: " + etag});
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(changed.headers["etag"], etag);
  EXPECT_EQ(changed.json()["secrets"][0]["secretValue"], "app2");
  EXPECT_EQ(changed.json()["secrets"][0]["version"], 2);
}

TEST_F(InfisicalDoubleTest, CallCountersByEndpointAndStatus) {
  std::string t = Token();
  Login(kReaderId, "wrong");
  Response l = Get(kList, t);
  Get(kList, t, {"if-none-match: " + l.headers["etag"]});
  Get("/api/v3/secrets/raw/NOPE?workspaceSlug=team-a&environment=dev", t);
  Get(kList, "");
  Control("/__control/faults", {{"rate_limit_next", 1}});
  Get(kList, t);
  Http(base_, "POST", "/api/v1/auth/token/renew", Json{{"accessToken", t}});
  Json c = Calls();
  EXPECT_EQ(c["login"]["calls"], 2);
  EXPECT_EQ(c["login"]["by_status"]["401"], 1);
  EXPECT_EQ(c["list"]["calls"], 4);
  EXPECT_EQ(c["get"]["by_status"]["404"], 1);
  EXPECT_EQ(c["renew"]["calls"], 1);
  EXPECT_EQ(c["not_modified"], 1);
  EXPECT_EQ(c["by_status"]["401"], 2);
  EXPECT_EQ(c["by_status"]["429"], 1);
  EXPECT_EQ(c["total"], 8);
}

TEST_F(InfisicalDoubleTest, SeedControlReplacesTheData) {
  std::ifstream f(SeedPath());
  Json seed = Json::parse(f);
  seed["projects"][0]["environments"]["dev"]["folders"]["/"]["secrets"] = {
      {"ONLY", "one"}};
  ASSERT_EQ(Control("/__control/seed", seed).status, 200);
  Json j = Get(kList, Token()).json();
  ASSERT_EQ(j["secrets"].size(), 1u);
  EXPECT_EQ(j["secrets"][0]["secretKey"], "ONLY");
  EXPECT_EQ(
      Control("/__control/seed", Json{{"projects", {{{"nope", 1}}}}}).status,
      400);
}

TEST_F(InfisicalDoubleTest, LogsNeverCarrySecretValuesOrCredentials) {
  std::string t = Token();
  Get(kList + "&include_imports=true&expandSecretReferences=true", t);
  Get("/api/v3/secrets/raw/"
      "PASSWORD?workspaceSlug=team-a&environment=dev&secretPath=/db",
      t);
  Login(kReaderId, "wrong-but-secret-looking");
  std::string log = proc_->Log();
  EXPECT_NE(log.find("GET /api/v3/secrets/raw -> 200"), std::string::npos)
      << log;
  for (const char* s :
       {"s3cr3t-db-password", "dev-api-key-7f3a91", kReaderSecret,
        "wrong-but-secret-looking", "postgres://", "orders"})
    EXPECT_EQ(log.find(s), std::string::npos) << s;
  EXPECT_EQ(log.find(t.substr(t.rfind('.') + 1)), std::string::npos)
      << "no token";
}

// A self-signed certificate for 127.0.0.1, written as PEM files.
bool WriteSelfSigned(const std::string& cert_path,
                     const std::string& key_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  if (!key || !x) return false;
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] :
       {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
        std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) return false;
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  bool ok = X509_sign(x, key, EVP_sha256()) > 0;
  FILE* cf = fopen(cert_path.c_str(), "w");
  FILE* kf = fopen(key_path.c_str(), "w");
  ok = ok && cf && kf && PEM_write_X509(cf, x) &&
       PEM_write_PrivateKey(kf, key, nullptr, nullptr, 0, nullptr, nullptr);
  if (cf) fclose(cf);
  if (kf) fclose(kf);
  X509_free(x);
  EVP_PKEY_free(key);
  return ok;
}

TEST(InfisicalDoubleTls, ServesHttpsWithTheGivenCertificate) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const fs::path dir =
      fs::temp_directory_path() / ("infisical-tls-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string cert = (dir / "cert.pem").string(),
                    key = (dir / "key.pem").string();
  ASSERT_TRUE(WriteSelfSigned(cert, key));
  {
    DoubleProcess proc({"--tls-cert", cert, "--tls-key", key});
    ASSERT_GT(proc.port(), 0) << proc.first_line();
    const std::string base = "https://127.0.0.1:" + std::to_string(proc.port());
    Response r =
        Http(base, "POST", "/api/v1/auth/universal-auth/login",
             Json{{"clientId", kReaderId}, {"clientSecret", kReaderSecret}}, {},
             cert);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["tokenType"], "Bearer");
  }
  fs::remove_all(dir);
}

}  // namespace
