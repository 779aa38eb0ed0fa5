// libFuzzer target: the search query parameters. A small tenant index is built once (a real
// store, the SearchFollower, Xapian on disk, so spelling data exists too). Each input is split
// at '\n' into q, type, limit and offset (the parts present are passed) and tried two ways:
//   - through GET /search/{org} and /search/suggestions/{org} (Router → routes_search.cc with
//     an allow-all policy): every answer is 200 or a 400 problem+json naming a field;
//   - on SearchIndex::Search/Suggest directly, with q and the types as given and limit/offset
//     from the input's first bytes: every answer is OK or InvalidArgument, never an exception.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <string_view>
#include <vector>

#include "scratch_dir.h"
#include "event/parser.h"
#include "http/routes.h"
#include "search/search_follower.h"
#include "store/event_store.h"

namespace {

using namespace readside;

// Every caller reads every domain of organization "fuzz-org".
class AllowAll final : public http::AccessPolicy {
 public:
  std::optional<Problem> Authorize(const http::Request&, http::Action,
                                   std::string_view) const override {
    return std::nullopt;
  }
};

constexpr const char* kEvents[] = {
    R"({"event_type":"crm.contact.created","data":{"entity_type":"thing","action":"created","entity_id":"c1","payload":{"name":"Ada Lovelace","email":"ada@analytical.example","company":"Babbage Engines"}}})",
    R"({"event_type":"crm.lead.created","data":{"entity_type":"thing","action":"created","entity_id":"l1","payload":{"name":"Grace Hopper","source":"conference","owner_id":"u1"}}})",
    R"({"event_type":"hrm.employee.created","data":{"entity_type":"thing","action":"created","entity_id":"e1","payload":{"name":"Katherine Johnson","department":"Orbital","role":"mathematician"}}})",
    R"({"event_type":"finance.invoice.created","data":{"entity_type":"thing","action":"created","entity_id":"inv-7731","payload":{"customer_id":"Zenith Holdings","amount":125,"due_date":"2024-02-15"}}})",
    R"({"event_type":"inventory.product.created","data":{"entity_type":"thing","action":"created","entity_id":"p1","payload":{"sku":"SKU-QX9","name":"Quartz Widget","category":"gizmos","unit_cost":1,"unit_price":2,"reorder_point":3}}})",
    R"({"event_type":"project.created","data":{"entity_type":"thing","action":"created","entity_id":"pr1","payload":{"name":"Apollo Guidance"}}})",
    R"({"event_type":"project.task.created","data":{"entity_type":"thing","action":"created","entity_id":"t1","payload":{"project_id":"pr1","name":"Verify trajectory"}}})",
};

// "{...,"data":{...}}" with the envelope's other fields.
std::string Envelope(const char* partial, int n) {
  std::string e(partial);
  return "{\"event_id\":\"ev-" + std::to_string(n) +
         "\",\"organization_id\":\"fuzz-org\",\"timestamp\":\"2024-01-10T10:00:00Z\","
         "\"version\":\"1.0\",\"source_service\":\"fuzz\"," +
         e.substr(1, e.size() - 1);
}

struct Stack {
  std::string dir;
  std::unique_ptr<store::EventStore> store;
  std::unique_ptr<search::SearchFollower> follower;
  AllowAll access;
  http::Router router;

  Stack() {
    dir = fuzz::ScratchDir("readside-search-fuzz");
    store = std::move(*store::EventStore::Open({.path = dir + "/events", .sync = false}));
    event::EventParser parser;
    std::vector<event::FieldError> errors;
    store::AppendRequest request;
    int n = 0;
    for (const char* partial : kEvents) {
      event::Event e;
      if (!parser.ParseOne(Envelope(partial, ++n), &e, &errors)) std::abort();
      request.events.push_back({e.organization_id, e.event_id, e.event_id_assigned, e.entity_id,
                                e.event_type, e.timestamp_micros, e.json});
    }
    if (!store->Append(std::move(request)).ok()) std::abort();
    follower = std::make_unique<search::SearchFollower>(
        store.get(), search::SearchFollowerOptions{.dir = dir + "/search"});
    if (!follower->Start().ok()) std::abort();
    if (!follower->WaitForPosition(store->LastPosition(), std::chrono::seconds(30))) std::abort();
    http::Services s{.access = &access, .search = follower.get()};
    http::AddSearchRoutes(&router, s);
  }
};

Stack& TheStack() {
  static Stack* stack = new Stack();  // never destroyed: the fuzzer exits without teardown
  return *stack;
}

void CheckRoute(const std::string& path, const std::vector<std::string>& parts) {
  static const char* const kNames[] = {"q", "type", "limit", "offset"};
  http::Request req{.method = "GET", .path = path};
  for (size_t i = 0; i < parts.size() && i < 4; ++i) req.query[kNames[i]] = parts[i];
  std::promise<http::Response> answered;
  TheStack().router.Dispatch(req, [&](http::Response r) { answered.set_value(std::move(r)); });
  http::Response r = answered.get_future().get();
  if (r.status == 200) return;
  if (r.status != 400 || r.content_type != "application/problem+json" ||
      r.body.find("\"field\"") == std::string::npos) {
    std::fprintf(stderr, "%s: %d %s\n", path.c_str(), r.status, r.body.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  for (size_t start = 0; start <= input.size() && parts.size() < 4;) {
    size_t nl = std::min(input.find('\n', start), input.size());
    parts.emplace_back(input.substr(start, nl - start));
    start = nl + 1;
  }
  CheckRoute("/search/fuzz-org", parts);
  CheckRoute(
      "/search/suggestions/fuzz-org",
      std::vector<std::string>(parts.begin(), parts.begin() + std::min<size_t>(2, parts.size())));

  // The index directly: any q, any types, limit and offset from the first bytes.
  std::shared_ptr<search::SearchIndex> index = TheStack().follower->Index("fuzz-org");
  if (!index) std::abort();
  search::SearchQuery q{.text = parts[0],
                        .domains = {"crm", "hrm", "finance", "inventory", "projects"},
                        .offset = size > 0 ? data[0] * 7u : 0,
                        .limit = size > 1 ? data[1] % 128u : 20};
  if (parts.size() > 1) {
    for (size_t start = 0; start <= parts[1].size();) {
      size_t comma = std::min(parts[1].find(',', start), parts[1].size());
      q.types.push_back(parts[1].substr(start, comma - start));
      start = comma + 1;
    }
  }
  absl::StatusOr<search::SearchResult> r = index->Search(q);
  if (!r.ok() && !absl::IsInvalidArgument(r.status())) {
    std::fprintf(stderr, "Search: %s\n", r.status().ToString().c_str());
    std::abort();
  }
  if (r.ok() && r->hits.size() > q.limit) std::abort();
  absl::StatusOr<std::vector<search::Completion>> c = index->Suggest(parts[0], q.domains, 10);
  if (!c.ok() || c->size() > 10) std::abort();
  return 0;
}
