#include "lib/kube/client_impl.h"

#include <cstdio>

#include "lib/kube/json_reader.h"

namespace sealsync::kube {
namespace {

constexpr const char* kJson = "application/json";
constexpr const char* kMergePatch = "application/merge-patch+json";
constexpr const char* kApplyPatch = "application/apply-patch+yaml";

Result<Json> ParseJson(std::string_view body, std::string_view what) {
  auto doc = ReadJson(body);
  if (!doc) {
    return MakeError(ErrorCode::kInternal,
                     std::string(what) + ": the server sent invalid JSON");
  }
  return std::move(*doc);
}

std::string NameOf(const Json& obj) {
  const Json* m = obj.contains("metadata") ? &obj["metadata"] : nullptr;
  return m && m->contains("name") && (*m)["name"].is_string()
             ? (*m)["name"].get<std::string>()
             : "";
}

std::string NamespaceOf(const Json& obj) {
  const Json* m = obj.contains("metadata") ? &obj["metadata"] : nullptr;
  return m && m->contains("namespace") && (*m)["namespace"].is_string()
             ? (*m)["namespace"].get<std::string>()
             : "";
}

void AddParam(std::string& q, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  q += q.empty() ? '?' : '&';
  q += key;
  q += '=';
  q += http::UrlEncode(value);
}

}  // namespace

std::string ResourcePath(const Resource& r, std::string_view ns,
                         std::string_view name, bool status) {
  std::string p = r.group.empty() ? "/api/" + r.version
                                  : "/apis/" + r.group + "/" + r.version;
  if (r.namespaced && !ns.empty()) {
    p += "/namespaces/";
    p += ns;
  }
  p += "/" + r.resource;
  if (!name.empty()) {
    p += "/";
    p += name;
  }
  if (status) p += "/status";
  return p;
}

Error StatusError(long http_status, std::string_view body,
                  std::string_view what, bool is_create) {
  std::string reason, message;
  try {
    Json s = Json::parse(body);
    if (s.is_object()) {
      if (s.contains("reason") && s["reason"].is_string()) reason = s["reason"];
      if (s.contains("message") && s["message"].is_string())
        message = s["message"];
    }
  } catch (const Json::exception&) {
  }
  ErrorCode code = ErrorCode::kUnknown;
  switch (http_status) {
    case 400:
    case 422:
      code = ErrorCode::kInvalidArgument;
      break;
    case 401:
      code = ErrorCode::kUnauthenticated;
      break;
    case 403:
      code = ErrorCode::kPermissionDenied;
      break;
    case 404:
      code = ErrorCode::kNotFound;
      break;
    case 409:
      code = is_create && reason == "AlreadyExists" ? ErrorCode::kAlreadyExists
                                                    : ErrorCode::kAborted;
      break;
    case 410:
      code = ErrorCode::kOutOfRange;
      break;
    case 429:
      code = ErrorCode::kResourceExhausted;
      break;
    case 504:
      code = ErrorCode::kDeadlineExceeded;
      break;
    default:
      code = http_status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kUnknown;
  }
  std::string m = std::string(what) + ": " + std::to_string(http_status);
  if (!reason.empty()) m += " " + reason;
  if (!message.empty()) m += ": " + message;
  return Error(code, m);
}

ClientImpl::ClientImpl(RestConfig config,
                       std::unique_ptr<CredentialSource> creds)
    : config_(std::move(config)),
      creds_(std::move(creds)),
      http_(http::TransportOptions{
          .tls = {config_.ca_pem, config_.insecure_skip_tls_verify,
                  config_.client_cert_pem, config_.client_key_pem}}) {}

Result<http::Request> ClientImpl::NewRequest(const std::string& method,
                                             const std::string& path) {
  http::Request req;
  req.method = method;
  req.url = config_.server + path;
  req.timeout = config_.timeout;
  req.headers.push_back("Accept: application/json");
  req.headers.push_back("User-Agent: sealsync/0.1");
  auto auth = creds_->AuthorizationHeader();
  if (!auth) return std::unexpected(auth.error());
  if (!auth->empty()) req.headers.push_back("Authorization: " + *auth);
  return req;
}

Result<Json> ClientImpl::Call(const std::string& method,
                              const std::string& path,
                              const std::string& content_type,
                              const std::string& body, bool is_create) {
  auto req = NewRequest(method, path);
  if (!req) return std::unexpected(req.error());
  if (!content_type.empty())
    req->headers.push_back("Content-Type: " + content_type);
  req->body = body;
  std::string what = method + " " + path;
  auto resp = http_.Do(*req);
  if (!resp) return std::unexpected(resp.error());
  if (resp->status < 200 || resp->status >= 300) {
    return std::unexpected(
        StatusError(resp->status, resp->body, what, is_create));
  }
  return ParseJson(resp->body, what);
}

Result<Json> ClientImpl::Get(const Resource& r, const ObjectKey& key) {
  return Call("GET", ResourcePath(r, key.ns, key.name), "", "");
}

Result<ListResult> ClientImpl::List(const Resource& r, std::string_view ns,
                                    const ListOptions& opts) {
  std::string q;
  AddParam(q, "labelSelector", opts.label_selector);
  AddParam(q, "fieldSelector", opts.field_selector);
  if (opts.limit > 0) AddParam(q, "limit", std::to_string(opts.limit));
  AddParam(q, "continue", opts.continue_token);
  AddParam(q, "resourceVersion", opts.resource_version);
  auto doc = Call("GET", ResourcePath(r, ns) + q, "", "");
  if (!doc) return std::unexpected(doc.error());
  ListResult out;
  if (doc->contains("items") && (*doc)["items"].is_array()) {
    for (auto& item : (*doc)["items"]) out.items.push_back(std::move(item));
  }
  if (doc->contains("metadata")) {
    const Json& m = (*doc)["metadata"];
    if (m.contains("resourceVersion") && m["resourceVersion"].is_string()) {
      out.resource_version = m["resourceVersion"];
    }
    if (m.contains("continue") && m["continue"].is_string())
      out.continue_token = m["continue"];
  }
  return out;
}

Result<Json> ClientImpl::Create(const Resource& r, const Json& obj) {
  return Call("POST", ResourcePath(r, NamespaceOf(obj)), kJson, obj.dump(),
              true);
}

Result<Json> ClientImpl::Update(const Resource& r, const Json& obj,
                                bool status) {
  return Call("PUT", ResourcePath(r, NamespaceOf(obj), NameOf(obj), status),
              kJson, obj.dump());
}

Result<Json> ClientImpl::MergePatch(const Resource& r, const ObjectKey& key,
                                    const Json& patch, bool status) {
  return Call("PATCH", ResourcePath(r, key.ns, key.name, status), kMergePatch,
              patch.dump());
}

Result<Json> ClientImpl::Apply(const Resource& r, const Json& obj,
                               const ApplyOptions& opts, bool status) {
  if (opts.field_manager.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "server-side apply needs a field manager");
  }
  std::string q;
  AddParam(q, "fieldManager", opts.field_manager);
  if (opts.force) AddParam(q, "force", "true");
  if (opts.strict) AddParam(q, "fieldValidation", "Strict");
  // JSON is valid YAML, so the apply patch can be sent as JSON text.
  return Call("PATCH",
              ResourcePath(r, NamespaceOf(obj), NameOf(obj), status) + q,
              kApplyPatch, obj.dump());
}

Result<void> ClientImpl::Delete(const Resource& r, const ObjectKey& key,
                                const DeleteOptions& opts) {
  Json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (!opts.propagation_policy.empty())
    body["propagationPolicy"] = opts.propagation_policy;
  if (!opts.precondition_uid.empty())
    body["preconditions"]["uid"] = opts.precondition_uid;
  if (!opts.precondition_resource_version.empty()) {
    body["preconditions"]["resourceVersion"] =
        opts.precondition_resource_version;
  }
  auto r2 =
      Call("DELETE", ResourcePath(r, key.ns, key.name), kJson, body.dump());
  if (!r2) return std::unexpected(r2.error());
  return {};
}

namespace {

// One line of a watch stream: its event; nullopt for an event type this
// client does not know (skipped); an error for a line that is not an event
// or an ERROR event (the Status it carries).
Result<std::optional<WatchEvent>> ParseWatchLine(std::string_view line,
                                                 const std::string& what) {
  std::optional<Json> parsed = ReadJson(line);
  if (!parsed || !parsed->is_object())
    return MakeError(ErrorCode::kInternal, what + ": invalid watch event");
  Json& ev = *parsed;
  std::string type = ev.contains("type") && ev["type"].is_string()
                         ? ev["type"].get<std::string>()
                         : "";
  WatchEvent out;
  if (type == "ADDED") {
    out.type = WatchEventType::kAdded;
  } else if (type == "MODIFIED") {
    out.type = WatchEventType::kModified;
  } else if (type == "DELETED") {
    out.type = WatchEventType::kDeleted;
  } else if (type == "BOOKMARK") {
    out.type = WatchEventType::kBookmark;
  } else if (type == "ERROR") {
    const Json& st = ev["object"];
    long code =
        st.is_object() && st.contains("code") && st["code"].is_number_integer()
            ? st["code"].get<long>()
            : 500;
    return std::unexpected(StatusError(code, st.dump(), what, false));
  } else {
    return std::nullopt;
  }
  if (!ev.contains("object") || !ev["object"].is_object() ||
      !ev["object"].contains("metadata") ||
      !ev["object"]["metadata"].is_object()) {
    return MakeError(ErrorCode::kInternal,
                     what + ": watch event without an object");
  }
  out.object = std::move(ev["object"]);
  return out;
}

}  // namespace

Result<void> ClientImpl::Watch(const Resource& r, std::string_view ns,
                               const WatchOptions& opts,
                               const WatchHandler& handler,
                               const std::atomic<bool>* stop) {
  std::string q = "?watch=1";
  if (opts.allow_bookmarks) q += "&allowWatchBookmarks=true";
  AddParam(q, "labelSelector", opts.label_selector);
  AddParam(q, "fieldSelector", opts.field_selector);
  AddParam(q, "resourceVersion", opts.resource_version);
  if (opts.timeout_seconds > 0)
    AddParam(q, "timeoutSeconds", std::to_string(opts.timeout_seconds));
  std::string path = ResourcePath(r, ns) + q;
  auto req = NewRequest("GET", path);
  if (!req) return std::unexpected(req.error());
  req->timeout = std::chrono::milliseconds(0);  // a quiet watch is not dead
  std::string what = "WATCH " + ResourcePath(r, ns);
  std::string pending;
  std::optional<Error> failure;
  auto on_data = [&](std::string_view chunk) -> bool {
    pending.append(chunk);
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos;
         start = nl + 1) {
      std::string_view line(pending.data() + start, nl - start);
      if (line.empty()) continue;
      auto ev = ParseWatchLine(line, what);
      if (!ev) {
        failure = ev.error();
        return false;
      }
      if (!*ev) continue;  // a type this client does not know
      if (!handler(**ev)) {
        pending.clear();
        return false;
      }
    }
    pending.erase(0, start);
    return true;
  };
  // A 2xx body is the event stream; any other is a Status, collected.
  std::string error_body;
  auto sink = [&](const http::Response& head, std::string_view chunk) {
    if (head.status >= 200 && head.status < 300) return on_data(chunk);
    error_body.append(chunk);
    return true;
  };
  auto resp = http_.Send(*req, sink, stop);
  if (failure) return std::unexpected(*failure);
  if (!resp) return std::unexpected(resp.error());
  if (resp->status < 200 || resp->status >= 300) {
    return std::unexpected(StatusError(resp->status, error_body, what, false));
  }
  return {};
}

Result<std::unique_ptr<Client>> NewClient(const RestConfig& config) {
  if (!config.server.starts_with("https://") &&
      !config.server.starts_with("http://")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "API server address must start with https:// (got \"" +
                         config.server + "\")");
  }
  RestConfig c = config;
  while (c.server.ends_with('/')) c.server.pop_back();
  auto creds = MakeCredentialSource(c);
  return std::unique_ptr<Client>(
      new ClientImpl(std::move(c), std::move(creds)));
}

}  // namespace sealsync::kube
