// `readside rebuild`: asks a running server to rebuild its read models from the store
// (blue/green: the old models keep serving until the new ones have caught up) and reports
// progress until the swap. With --org it needs only an admin token of that organization.

#include <chrono>
#include <cstdio>
#include <thread>

#include <boost/json.hpp>

#include "app/commands.h"
#include "ingest/ingest_client.h"

namespace readside::app {
namespace {

std::string Field(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return "";
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  return "";
}

}  // namespace

int RunRebuild(const RebuildOptions& options) {
  auto client = ingest::HttpClient::Create(options.url, options.token);
  if (!client.ok()) {
    std::fprintf(stderr, "readside rebuild: %s\n", std::string(client.status().message()).c_str());
    return 1;
  }
  // One tenant's rebuild is followed where its admin may read it (GET /admin/rebuild/{org}).
  std::string target = options.org.empty() ? "/admin/rebuild" : "/admin/rebuild/" + options.org;
  std::string scope = options.org.empty() ? "*" : options.org;
  absl::StatusOr<ingest::HttpResult> started = (*client)->Request("POST", target, "", "");
  if (!started.ok() || started->status != 202) {
    std::fprintf(stderr, "readside rebuild: %s\n",
                 started.ok() ? started->body.c_str()
                              : std::string(started.status().message()).c_str());
    return 1;
  }
  auto begin = std::chrono::steady_clock::now();
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    absl::StatusOr<ingest::HttpResult> r = (*client)->Request("GET", target, "", "");
    if (!r.ok() || r->status != 200) {
      std::fprintf(stderr, "\nreadside rebuild: lost the server: %s\n",
                   r.ok() ? r->body.c_str() : std::string(r.status().message()).c_str());
      return 1;
    }
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(r->body, ec);
    if (ec || !v.is_object()) continue;
    // GET /admin/rebuild describes every rebuild; the one of every tenant is `every_tenant`
    // (others may run or wait before it in the queue).
    const boost::json::object* every = nullptr;
    if (const boost::json::value* e = v.as_object().if_contains("every_tenant")) {
      if (options.org.empty() && e->is_object()) every = &e->as_object();
    }
    const boost::json::object& o = every ? *every : v.as_object();
    std::string state = Field(o, "state");
    if (state == "queued") {
      std::fprintf(stderr, "\rqueued       %s: position %s in the rebuild queue   ",
                   scope.c_str(), Field(o, "queue_position").c_str());
      continue;
    }
    if (Field(o, "scope") != scope || state == "idle") {
      // Only the latest rebuild of a scope is reported, and another has started since.
      std::fprintf(stderr,
                   "\nreadside rebuild: the rebuild of %s ended and another has started since; "
                   "its outcome is no longer reported\n",
                   scope.c_str());
      return 1;
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    std::fprintf(stderr, "\r%-12s %s: %s / %s events replayed, %.1f s   ", state.c_str(),
                 Field(o, "scope").c_str(), Field(o, "events_read").c_str(),
                 Field(o, "target_position").c_str(), seconds);
    if (state == "done") {
      std::fprintf(stderr, "\n");
      std::printf("rebuilt %s: %s events replayed, swapped in after %.1f s\n",
                  Field(o, "scope").c_str(), Field(o, "events_read").c_str(), seconds);
      return 0;
    }
    if (state == "failed") {
      std::fprintf(stderr, "\nreadside rebuild: failed: %s\n", Field(o, "error").c_str());
      return 1;
    }
  }
}

}  // namespace readside::app
