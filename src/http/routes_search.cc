// Search (../shared/spec/dashboards.md "Search"), over the per-tenant indexes the
// SearchFollower keeps:
//   GET /search/{org}?q=&type=&limit=&offset=  → {total, hits: [...], suggestion?}
//   GET /search/suggestions/{org}?q=&type=     → {suggestions: [{text, type}]} (at most 10)
// Both also take min_position/wait_ms (read-your-writes, like the analytics routes) and
// answer X-Readside-Position: every event up to there is searchable.
// Access: the analytics read permission on the organization; the caller's domains filter
// hits, totals and completions (never counted otherwise). A caller with no domain at all is
// 403 (like the dashboard); `type` naming a type of a domain the caller lacks is 403.
// `type` is a comma-separated list (the server refuses repeated query parameters).

#include <algorithm>
#include <charconv>
#include <memory>
#include <string>
#include <vector>

#include "common/json_writer.h"
#include "http/analytics_params.h"
#include "http/routes.h"
#include "http/view_route.h"
#include "query/section.h"
#include "search/entity_indexer.h"
#include "search/search_follower.h"
#include "search/search_index.h"

namespace readside::http {
namespace {

constexpr size_t kMaxSuggestions = 10;
constexpr size_t kDefaultLimit = 20;

using SearchFn = std::function<Response(search::SearchIndex* index, const Request& req)>;

std::string TypeNames() {
  std::string out;
  for (const search::IndexedType& t : search::IndexedTypes()) {
    out += out.empty() ? "" : ", ";
    out += t.type;
  }
  return out;
}

// q: required, not blank, at most search::kMaxQueryBytes.
std::optional<Problem> ParseText(const Request& req, std::string* out) {
  const std::string* q = req.Query("q");
  if (q == nullptr || q->find_first_not_of(" \t\r\n") == std::string::npos) {
    return BadParameter("q", "is required and must not be blank");
  }
  if (q->size() > search::kMaxQueryBytes) {
    return BadParameter("q",
                        "must be at most " + std::to_string(search::kMaxQueryBytes) + " bytes");
  }
  *out = *q;
  return std::nullopt;
}

// The caller's domains as the index names them (crm, hrm, …).
std::vector<std::string> DomainNames(query::DomainMask readable) {
  std::vector<std::string> out;
  for (int i = 0; i < static_cast<int>(query::Section::kCross); ++i) {
    auto section = static_cast<query::Section>(i);
    if (readable & query::DomainBit(section)) out.emplace_back(query::SectionName(section));
  }
  return out;
}

// type: a comma-separated list of indexed types; unknown → 400, a type of a domain the
// caller lacks → 403. *domains narrows to the listed types' domains.
std::optional<Response> ParseTypes(const Request& req, query::DomainMask readable,
                                   std::vector<std::string>* types,
                                   std::vector<std::string>* domains) {
  *domains = DomainNames(readable);
  const std::string* v = req.Query("type");
  if (v == nullptr) return std::nullopt;
  std::vector<std::string> narrowed;
  for (size_t start = 0; start <= v->size();) {
    size_t comma = std::min(v->find(',', start), v->size());
    std::string_view name = std::string_view(*v).substr(start, comma - start);
    start = comma + 1;
    const search::IndexedType* found = nullptr;
    for (const search::IndexedType& t : search::IndexedTypes()) {
      if (name == t.type) found = &t;
    }
    if (found == nullptr) {
      return ProblemResponse(
          BadParameter("type", "must be a comma-separated list of " + TypeNames() +
                                   (name.empty() ? " (an empty item)"
                                                 : " ('" + std::string(name) + "' is not one)")),
          req.path);
    }
    query::Section section;
    if (!query::ParseSection(found->domain, &section) || !(readable & query::DomainBit(section))) {
      return ForbiddenDomain(found->domain, req.path);
    }
    types->push_back(found->type);
    if (std::find(narrowed.begin(), narrowed.end(), found->domain) == narrowed.end()) {
      narrowed.push_back(found->domain);
    }
  }
  *domains = std::move(narrowed);
  return std::nullopt;
}

// An integer query parameter from 0 to `max`, default `fallback`.
std::optional<Problem> ParseCount(const Request& req, std::string_view name, size_t max,
                                  size_t fallback, size_t* out) {
  *out = fallback;
  const std::string* v = req.Query(name);
  if (v == nullptr) return std::nullopt;
  uint64_t n = 0;
  auto r = std::from_chars(v->data(), v->data() + v->size(), n);
  if (v->empty() || r.ec != std::errc() || r.ptr != v->data() + v->size() || n > max) {
    return BadParameter(name, "must be an integer from 0 to " + std::to_string(max));
  }
  *out = static_cast<size_t>(n);
  return std::nullopt;
}

// The answer to a failed index call: InvalidArgument names its field ("q: …") → 400;
// anything else is the index's fault → 503.
Response IndexError(const absl::Status& status, const std::string& path) {
  std::string_view message(status.message().data(), status.message().size());
  if (absl::IsInvalidArgument(status)) {
    size_t colon = message.find(": ");
    std::string_view field = colon == std::string_view::npos ? "q" : message.substr(0, colon);
    std::string_view why = colon == std::string_view::npos ? message : message.substr(colon + 2);
    return ProblemResponse(BadParameter(field, "is not a valid query: " + std::string(why)), path);
  }
  return ProblemResponse({.status = 503,
                          .title = "Search index unavailable",
                          .detail = std::string(message),
                          .retry_after_seconds = 1},
                         path);
}

Response Unavailable(std::string title, std::string detail, const std::string& path) {
  return ProblemResponse({.status = 503,
                          .title = std::move(title),
                          .detail = std::move(detail),
                          .retry_after_seconds = 1},
                         path);
}

// Answers fn over the tenant's index (null: the tenant has none yet) once the follower has
// indexed min_position, without holding a server thread while waiting.
void ServeSearchAt(const Services& s, const Request& req, const ReadConsistency& consistency,
                   Responder respond, SearchFn fn) {
  search::SearchFollower* follower = s.search;
  if (follower == nullptr) {
    return respond(
        Unavailable("Search not enabled", "this server keeps no search index", req.path));
  }
  auto answer = [follower, fn](const Request& r) {
    const std::string& org = r.params.at("org");
    if (follower->Damaged(org)) {
      return Unavailable("Search index being rebuilt",
                         "this organization's search index was found damaged and is being "
                         "rebuilt from the event store; try again shortly",
                         r.path);
    }
    if (follower->Failed(org)) {
      return Unavailable("Search index unavailable",
                         "this organization's search index failed; an operator can rebuild it "
                         "(POST /admin/rebuild/" +
                             org + ")",
                         r.path);
    }
    uint64_t position = follower->Position();  // before the query: a lower bound
    std::shared_ptr<search::SearchIndex> index = follower->Index(org);
    if (index == nullptr && follower->Damaged(org)) {  // found damaged as it opened just now
      return Unavailable("Search index being rebuilt",
                         "this organization's search index was found damaged and is being "
                         "rebuilt from the event store; try again shortly",
                         r.path);
    }
    if (index == nullptr && follower->HasIndexOnDisk(org)) {  // there, but it does not open
      return Unavailable("Search index unavailable",
                         "this organization's search index does not open (see the server log); "
                         "an operator can rebuild it (POST /admin/rebuild/" + org + ")",
                         r.path);
    }
    return Attach(fn(index.get(), r), position);
  };
  const uint64_t wanted = consistency.min_position;
  if (follower->Position() >= wanted) return respond(answer(req));
  // The server still reads the request after the handler returns: work on a copy.
  auto shared = std::make_shared<Request>(req);
  const auto wait_ms = consistency.wait.count();
  follower->WhenPosition(wanted, consistency.wait, [=](bool reached) {
    if (!reached && follower->WaitsCancelled()) {
      return respond(Unavailable("Shutting down",
                                 "the server is shutting down; position " + std::to_string(wanted) +
                                     " was not searchable yet",
                                 shared->path));
    }
    if (!reached) {
      return respond(Unavailable("Search index behind",
                                 "position " + std::to_string(wanted) + " was not indexed within " +
                                     std::to_string(wait_ms) +
                                     " ms (indexed: " + std::to_string(follower->Position()) + ")",
                                 shared->path));
    }
    respond(answer(*shared));
  });
}

// min_offsets (read-your-writes across nodes, Kafka on): the offsets become this node's
// position once stored here (ResolveOffsets), which the index then follows like min_position.
// Answered on the thread that ends the wait: the follower's once it indexed the position (as
// for min_position), rarely the consumer's (the offsets are stored, and the index already
// holds them).
void ServeSearch(const Services& s, Request& req, const ReadConsistency& consistency,
                 Responder respond, SearchFn fn) {
  if (s.search == nullptr) {  // before any wait: nothing to wait for
    return respond(
        Unavailable("Search not enabled", "this server keeps no search index", req.path));
  }
  if (consistency.min_offsets.empty()) {  // the common search: no callback to build
    return ServeSearchAt(s, req, consistency, std::move(respond), std::move(fn));
  }
  ResolveOffsets(s, req, std::move(respond), consistency,
                 [s, fn = std::move(fn)](const ReadConsistency& c, Request& r, Responder done) {
                   ServeSearchAt(s, r, c, std::move(done), fn);
                 });
}

std::string SearchBody(const search::SearchResult& r) {
  JsonBuilder b;
  b.BeginObject().Key("total").Int(static_cast<int64_t>(r.total)).Key("hits").BeginArray();
  for (const search::SearchHit& h : r.hits) {
    b.BeginObject().Key("type").String(h.type).Key("id").String(h.id);
    b.Key("title").String(h.title).Key("snippet").String(h.snippet);
    b.Key("domain").String(h.domain).Key("score").Double(h.score).EndObject();
  }
  b.EndArray();
  if (!r.suggestion.empty()) b.Key("suggestion").String(r.suggestion);
  b.EndObject();
  return b.Take();
}

// The checks both routes start with; nullopt: go on with *types, *domains, *consistency.
std::optional<Response> CheckSearchRequest(const Services& s, const Request& req,
                                           std::initializer_list<std::string_view> params,
                                           std::string* text, std::vector<std::string>* types,
                                           std::vector<std::string>* domains,
                                           ReadConsistency* consistency) {
  if (auto p = CheckOrganization(s, req, Action::kReadAnalytics, req.params.at("org"))) {
    return ProblemResponse(*p, req.path);
  }
  if (auto p = CheckKnownParameters(req, params)) return ProblemResponse(*p, req.path);
  if (auto p = ParseText(req, text)) return ProblemResponse(*p, req.path);
  if (auto r = ParseTypes(req, s.access->ReadableDomains(req), types, domains)) return r;
  if (auto p = ParseConsistency(req, consistency)) return ProblemResponse(*p, req.path);
  return std::nullopt;
}

void Search(const Services& s, Request& req, Responder respond) {
  search::SearchQuery q;
  ReadConsistency consistency;
  if (auto r =
          CheckSearchRequest(s, req, {"q", "type", "limit", "offset", "min_position", "wait_ms"},
                             &q.text, &q.types, &q.domains, &consistency)) {
    return respond(*std::move(r));
  }
  if (auto p = ParseCount(req, "limit", search::kMaxLimit, kDefaultLimit, &q.limit)) {
    return respond(ProblemResponse(*p, req.path));
  }
  if (auto p = ParseCount(req, "offset", search::kMaxOffset, 0, &q.offset)) {
    return respond(ProblemResponse(*p, req.path));
  }
  ServeSearch(s, req, consistency, std::move(respond),
              [q, follower = s.search](search::SearchIndex* index, const Request& r) {
                if (index == nullptr) return JsonResponse(SearchBody({}));  // nothing indexed
                absl::StatusOr<search::SearchResult> found = index->Search(q);
                if (!found.ok()) {
                  follower->ReportDamaged(r.params.at("org"), found.status());  // DataLoss only
                  return IndexError(found.status(), r.path);
                }
                return JsonResponse(SearchBody(*found));
              });
}

void Suggestions(const Services& s, Request& req, Responder respond) {
  std::string text;
  std::vector<std::string> types, domains;
  ReadConsistency consistency;
  if (auto r = CheckSearchRequest(s, req, {"q", "type", "min_position", "wait_ms"}, &text, &types,
                                  &domains, &consistency)) {
    return respond(*std::move(r));
  }
  ServeSearch(
      s, req, consistency, std::move(respond),
      [text, types, domains, follower = s.search](search::SearchIndex* index, const Request& r) {
        std::vector<search::Completion> completions;
        if (index != nullptr) {
          // With a type filter, ask for more and keep the listed types' first ten.
          absl::StatusOr<std::vector<search::Completion>> found =
              index->Suggest(text, domains, types.empty() ? kMaxSuggestions : 1000);
          if (!found.ok()) {
            follower->ReportDamaged(r.params.at("org"), found.status());  // DataLoss only
            return IndexError(found.status(), r.path);
          }
          completions = *std::move(found);
        }
        JsonBuilder b;
        b.BeginObject().Key("suggestions").BeginArray();
        size_t n = 0;
        for (const search::Completion& c : completions) {
          if (n == kMaxSuggestions) break;
          if (!types.empty() && std::find(types.begin(), types.end(), c.type) == types.end()) {
            continue;
          }
          b.BeginObject().Key("text").String(c.text).Key("type").String(c.type).EndObject();
          ++n;
        }
        b.EndArray().EndObject();
        return JsonResponse(b.Take());
      });
}

}  // namespace

void AddSearchRoutes(Router* router, const Services& services) {
  router->Add("GET", "/search/{org}", Bind(services, Search));
  router->Add("GET", "/search/suggestions/{org}", Bind(services, Suggestions));
}

}  // namespace readside::http
