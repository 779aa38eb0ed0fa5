// libFuzzer target: request handling as the server does it — bytes → HTTP parser → Gate
// (authentication, CORS, limits) → Router → every route, over a real store and projector.
// Besides "no crash, no leak, no UB" it checks invariants on every answer:
//   - a well-formed status, and problem+json for every error;
//   - no Authorization header on a protected path → 401 (the web app's paths, GET and HEAD
//     outside the API's prefixes, are public: its "not built" page here);
//   - the token is for organization "fuzz-a" only: no route answers 200 about another one.
// The seed corpus (fuzz/corpus-request) holds requests with a valid token for "fuzz-a" that
// expires in 2100 (secret below), so the fuzzer reaches the routes behind the Gate.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string_view>

#include "scratch_dir.h"
#include "auth/authenticator.h"
#include "http/access_policy.h"
#include "http/gate.h"
#include "http/response_cache.h"
#include "http/routes.h"
#include "http/server.h"
#include "http/static_files.h"
#include "ingest/ingest_service.h"
#include "own_state/tenant_settings_service.h"
#include "projection/projector.h"
#include "store/event_store.h"

namespace {

using namespace readside;

constexpr char kSecret[] = "request-fuzz-secret-0123456789abcdef";

struct Stack {
  std::string dir;
  std::unique_ptr<store::EventStore> store;
  std::unique_ptr<ingest::IngestService> ingest;
  std::unique_ptr<projection::Projector> projector;
  std::unique_ptr<own_state::TenantSettingsService> tenant_settings;
  std::unique_ptr<auth::Authenticator> authenticator;
  std::unique_ptr<http::TokenAccess> access;
  http::ResponseCache cache;
  MetricsRegistry metrics;
  http::Router router;
  std::unique_ptr<http::Gate> gate;

  Stack() {
    dir = fuzz::ScratchDir("readside-request-fuzz");
    std::string secret_file = dir + "/secret";
    FILE* f = std::fopen(secret_file.c_str(), "w");
    std::fputs(kSecret, f);
    std::fclose(f);
    store = std::move(*store::EventStore::Open({.path = dir + "/events", .sync = false}));
    ingest = std::make_unique<ingest::IngestService>(store.get(), event::ParserOptions{});
    projector = std::make_unique<projection::Projector>(store.get(), &SystemClock::Get());
    projector->Start();
    tenant_settings = http::NewTenantSettingsService(store.get(), projector.get(),
                                                     &SystemClock::Get());
    authenticator = std::move(*auth::Authenticator::Create({.secret_file = secret_file}, {}));
    access = std::make_unique<http::TokenAccess>(http::RateLimit{}, &SystemClock::Get());
    http::Services s{.store = store.get(),
                     .ingest = ingest.get(),
                     .access = access.get(),
                     .metrics = &metrics,
                     .projector = projector.get(),
                     .clock = &SystemClock::Get(),
                     .cache = &cache,
                     .tenant_settings = tenant_settings.get()};
    http::AddEventRoutes(&router, s);
    http::AddOpsRoutes(&router, s);
    http::AddAdminRoutes(&router, s);
    http::AddAnalyticsRoutes(&router, s);
    http::AddTenantRoutes(&router, s);
    http::AddWebRoutes(&router, s);
    gate = std::make_unique<http::Gate>(
        &router, authenticator.get(),
        http::GateOptions{.cors_origins = {"https://ok.example"}, .web_app = true},
        &SystemClock::Get());
  }
};

bool IsProtected(const http::Request& req) {
  bool web_app = (req.method == "GET" || req.method == "HEAD") && !http::IsApiPath(req.path);
  return !web_app && !req.path.starts_with("/health/") && req.path != "/metrics" &&
         req.path != "/openapi.json" && req.path != "/docs" &&
         !(req.method == "OPTIONS" && !req.Header("access-control-request-method").empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Stack* stack = new Stack();  // lives for the whole run
  http::ServerOptions limits{.max_body_bytes = 64 << 10, .max_header_bytes = 8 << 10};
  auto parsed =
      http::ParseHttpRequest(std::string_view(reinterpret_cast<const char*>(data), size), limits);
  if (!parsed.ok()) return 0;
  http::Request req = std::move(*parsed);
  // Bounded waits only: the fuzzer's own timeout would flag a 30 s min_position wait.
  if (req.query.contains("wait_ms")) req.query["wait_ms"] = "10";
  bool had_authorization = !req.Header("authorization").empty();
  std::promise<http::Response> answered;
  stack->gate->Handle(req, [&answered](http::Response r) { answered.set_value(std::move(r)); });
  http::Response r = answered.get_future().get();
  if (r.status < 100 || r.status > 599) std::abort();
  if (r.status >= 400 && r.content_type != "application/problem+json") std::abort();
  if (!had_authorization && IsProtected(req) && r.status != 401) std::abort();
  auto org = req.params.find("org");
  if (r.status == 200 && org != req.params.end() && org->second != "fuzz-a") std::abort();
  return 0;
}
