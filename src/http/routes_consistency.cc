// Consistency and repair (../shared/spec/operations.md, docs/consistency.md):
//   POST /admin/consistency/{org}[?repair=false] → a check of the tenant's live read models
//        against a replay of its events at one store position: the differences, and the
//        repair (a rebuild of the tenant) queued when there are any
//   GET  /admin/consistency/{org} → the tenant's latest check (asked for or background)
//   GET  /admin/consistency       → every tenant's latest check and the counters (operators)
//   POST /admin/reconcile/{org}   → the ERP's control totals against what readside stored
// The work runs on the ConsistencyService's thread; the answer is sent from there.

#include <charconv>

#include "absl/container/flat_hash_set.h"

#include "common/json_writer.h"
#include "common/money.h"
#include "common/time_util.h"
#include "http/analytics_params.h"
#include "http/exact_json.h"
#include "http/routes.h"
#include "projection/consistency_service.h"
#include "projection/control_totals.h"
#include "projection/projector.h"
#include "projection/replay.h"

namespace readside::http {
namespace {

using projection::CheckResult;
using projection::ControlRow;

Problem Unavailable(std::string detail, int retry_after = 5) {
  return {.status = 503,
          .title = "Service unavailable",
          .detail = std::move(detail),
          .retry_after_seconds = retry_after};
}

// The answer to a failed check or reconciliation.
Problem StatusProblem(const absl::Status& s, const std::string& org) {
  if (absl::IsNotFound(s)) {
    return {.status = 404,
            .title = "Not found",
            .detail = "organization " + org + " has no events"};
  }
  return Unavailable(std::string(s.message()), absl::IsUnavailable(s) ? 1 : 5);
}

void WriteCheck(JsonBuilder& b, const CheckResult& r) {
  const projection::ConsistencyReport& report = r.report;
  b.BeginObject().Key("organization_id").String(report.organization_id);
  b.Key("trigger").String(r.trigger);
  b.Key("position").Int(static_cast<int64_t>(report.position));
  b.Key("started_at").String(FormatRfc3339(r.started_micros));
  b.Key("finished_at").String(FormatRfc3339(r.finished_micros));
  b.Key("duration_ms").Int((r.finished_micros - r.started_micros) / 1000);
  b.Key("events_replayed").Int(static_cast<int64_t>(report.events_replayed));
  b.Key("periods_checked").Int(static_cast<int64_t>(report.periods_checked));
  b.Key("consistent").Bool(report.differences_total == 0);
  b.Key("differences_total").Int(static_cast<int64_t>(report.differences_total));
  b.Key("differences").BeginArray();
  for (const projection::Difference& d : report.differences) {
    b.BeginObject().Key("domain").String(d.domain).Key("period");
    if (d.period.empty()) b.Null(); else b.String(d.period);
    b.Key("field").String(d.field).Key("key");
    if (d.key.empty()) b.Null(); else b.String(d.key);
    b.Key("live").Raw(d.live).Key("replayed").Raw(d.replayed).EndObject();
  }
  b.EndArray();
  b.Key("truncated").Bool(report.differences.size() < report.differences_total);
  b.Key("repair");
  if (report.differences_total == 0) {
    b.Null();
  } else {
    b.BeginObject().Key("requested").Bool(r.repair_requested);
    b.Key("started").Bool(r.repair.has_value());
    if (r.repair) {
      b.Key("state").String(r.repair->status.state);
      b.Key("queue_position").Int(static_cast<int64_t>(r.repair->status.queue_position));
      b.Key("coalesced").Bool(r.repair->coalesced);
      b.Key("status_url").String("/admin/rebuild/" + report.organization_id);
    }
    if (!r.repair_error.empty()) b.Key("error").String(r.repair_error);
    b.EndObject();
  }
  b.EndObject();
}

void WriteBackground(JsonBuilder& b, const projection::ConsistencyService& c) {
  b.Key("background").BeginObject();
  b.Key("enabled").Bool(c.options().interval.count() > 0);
  b.Key("interval_seconds").Double(static_cast<double>(c.options().interval.count()) / 1000);
  b.Key("repair").Bool(c.options().repair).EndObject();
}

// POST /admin/consistency/{org}
void PostCheck(const Services& s, Request& req, Responder respond) {
  const std::string& org = req.params["org"];
  if (auto p = CheckOrganization(s, req, Action::kAdmin, org)) {
    return respond(ProblemResponse(*p, req.path));
  }
  if (auto p = CheckKnownParameters(req, {"repair"})) return respond(ProblemResponse(*p, req.path));
  bool repair = true;
  if (const std::string* v = req.Query("repair")) {
    if (*v != "true" && *v != "false") {
      return respond(ProblemResponse(BadParameter("repair", "must be true or false"), req.path));
    }
    repair = *v == "true";
  }
  if (s.consistency == nullptr) {
    return respond(ProblemResponse(Unavailable("consistency checks are not available"), req.path));
  }
  std::string path = req.path;
  absl::Status queued = s.consistency->Check(
      org, repair, [respond, path, org](absl::StatusOr<CheckResult> r) {
        if (!r.ok()) return respond(ProblemResponse(StatusProblem(r.status(), org), path));
        JsonBuilder b;
        WriteCheck(b, *r);
        Response out = JsonResponse(b.Take());
        out.headers.emplace_back("X-Readside-Position", std::to_string(r->report.position));
        respond(std::move(out));
      });
  if (!queued.ok()) {
    respond(ProblemResponse(Unavailable(std::string(queued.message())), req.path));
  }
}

// GET /admin/consistency/{org}
void GetCheck(const Services& s, Request& req, Responder respond) {
  const std::string& org = req.params["org"];
  if (auto p = CheckOrganization(s, req, Action::kAdmin, org)) {
    return respond(ProblemResponse(*p, req.path));
  }
  if (auto p = CheckKnownParameters(req, {})) return respond(ProblemResponse(*p, req.path));
  if (s.consistency == nullptr) {
    return respond(ProblemResponse(Unavailable("consistency checks are not available"), req.path));
  }
  JsonBuilder b;
  b.BeginObject().Key("organization_id").String(org);
  WriteBackground(b, *s.consistency);
  b.Key("last_check");
  if (std::optional<CheckResult> last = s.consistency->LastCheck(org)) {
    WriteCheck(b, *last);
  } else {
    b.Null();
  }
  b.EndObject();
  respond(JsonResponse(b.Take()));
}

// GET /admin/consistency (every organization)
void GetChecks(const Services& s, Request& req, Responder respond) {
  if (auto denied = s.access->Authorize(req, Action::kAdmin, "*")) {
    return respond(ProblemResponse(*denied, req.path));
  }
  if (auto p = CheckKnownParameters(req, {})) return respond(ProblemResponse(*p, req.path));
  if (s.consistency == nullptr) {
    return respond(ProblemResponse(Unavailable("consistency checks are not available"), req.path));
  }
  projection::ConsistencyStats st = s.consistency->Stats();
  JsonBuilder b;
  b.BeginObject();
  WriteBackground(b, *s.consistency);
  b.Key("checks").BeginObject().Key("consistent").Int(static_cast<int64_t>(st.checks_consistent));
  b.Key("drift").Int(static_cast<int64_t>(st.checks_drift));
  b.Key("failed").Int(static_cast<int64_t>(st.checks_failed)).EndObject();
  b.Key("drift_total").Int(static_cast<int64_t>(st.drift));
  b.Key("repairs_total").Int(static_cast<int64_t>(st.repairs));
  b.Key("reconciliations_total").Int(static_cast<int64_t>(st.reconciliations));
  b.Key("tenants").BeginArray();
  for (const auto& [org, r] : s.consistency->LastChecks()) {
    b.BeginObject().Key("organization_id").String(org).Key("trigger").String(r.trigger);
    b.Key("finished_at").String(FormatRfc3339(r.finished_micros));
    b.Key("position").Int(static_cast<int64_t>(r.report.position));
    b.Key("differences_total").Int(static_cast<int64_t>(r.report.differences_total));
    b.Key("repair_started").Bool(r.repair.has_value()).EndObject();
  }
  b.EndArray().EndObject();
  respond(JsonResponse(b.Take()));
}

// ---- POST /admin/reconcile/{org}: the control totals body ----

constexpr size_t kMaxRows = 10'000;
constexpr size_t kMaxIds = 500'000;  // in all rows
constexpr size_t kMaxIdBytes = 128;  // as data.entity_id
constexpr size_t kMaxErrors = 20;
constexpr uint64_t kMaxCount = 9'007'199'254'740'991;  // 2^53 − 1: exact in every JSON reader

struct Body {
  std::vector<ControlRow> rows;
  std::string timezone;  // empty: not given
  std::string organization_id;
};

// Collects the body's errors: 400 for a broken rule of one field, 422 when the fields are
// each valid but contradict each other or the tenant.
class Errors {
 public:
  void Add(std::string field, std::string rule, bool semantic = false) {
    semantic_only_ = semantic_only_ && semantic;
    if (errors_.size() < kMaxErrors) errors_.push_back({std::move(field), std::move(rule)});
    ++count_;
  }
  bool any() const { return count_ > 0; }
  Problem ToProblem() const {
    Problem p{.status = semantic_only_ ? 422 : 400,
              .title = semantic_only_ ? "Control totals do not apply" : "Invalid control totals",
              .detail = errors_[0].field + " " + errors_[0].message};
    if (count_ > 1) p.detail += " (and " + std::to_string(count_ - 1) + " more)";
    p.errors = errors_;
    return p;
  }

 private:
  std::vector<ProblemField> errors_;
  size_t count_ = 0;
  bool semantic_only_ = true;
};

// A non-negative JSON integer ≤ kMaxCount, as written.
bool ParseCount(const JsonNode& n, uint64_t* out) {
  if (n.kind != JsonNode::Kind::kNumber) return false;
  const std::string& t = n.text;
  auto r = std::from_chars(t.data(), t.data() + t.size(), *out);
  return r.ec == std::errc() && r.ptr == t.data() + t.size() && *out <= kMaxCount;
}

// A money amount as the event contract writes it: a JSON number or a decimal string, at most
// 4 decimals, |value| < 1e13; here also ≥ 0. The rule broken, or "" when valid.
std::string ParseSum(const JsonNode& n, Money* out) {
  if (n.kind != JsonNode::Kind::kNumber && n.kind != JsonNode::Kind::kString) {
    return "must be money: a JSON number or a decimal string";
  }
  MoneyParseError e = ParseMoney(n.text, n.kind == JsonNode::Kind::kNumber, out);
  if (e != MoneyParseError::kOk) return "must be money: " + std::string(MoneyParseErrorText(e));
  if (out->units() < 0) return "must be ≥ 0";
  return "";
}

void ParseIds(const JsonNode& n, const std::string& field, size_t* total, ControlRow* row,
              Errors& errors) {
  if (n.kind != JsonNode::Kind::kArray) return errors.Add(field, "must be an array of strings");
  std::vector<std::string> ids;
  ids.reserve(n.items.size());
  absl::flat_hash_set<std::string_view> seen;
  for (size_t k = 0; k < n.items.size(); ++k) {
    const JsonNode& id = n.items[k];
    std::string at = field + "[" + std::to_string(k) + "]";
    if (id.kind != JsonNode::Kind::kString || id.text.empty() || id.text.size() > kMaxIdBytes) {
      errors.Add(at, "must be an entity id: a string of 1 to 128 bytes");
    } else if (!seen.insert(id.text).second) {
      errors.Add(at, "repeats the id \"" + id.text + "\"");
    } else {
      ids.push_back(id.text);
    }
  }
  *total += n.items.size();
  if (*total > kMaxIds) return errors.Add(field, "would make more than 500000 ids in all");
  row->ids = std::move(ids);
}

void ParseRow(const JsonNode& n, size_t i, size_t* total_ids, Body* body, Errors& errors) {
  const std::string at = "totals[" + std::to_string(i) + "]";
  if (n.kind != JsonNode::Kind::kObject) return errors.Add(at, "must be an object");
  ControlRow row;
  const projection::EntityTypeInfo* type = nullptr;
  for (size_t k = 0; k < n.keys.size(); ++k) {
    const std::string& key = n.keys[k];
    const JsonNode& v = n.items[k];
    std::string field = at + "." + key;
    if (n.Find(key) != &v) {
      errors.Add(field, "duplicate key");
    } else if (key == "entity_type") {
      type = v.kind == JsonNode::Kind::kString ? projection::FindEntityType(v.text) : nullptr;
      if (type == nullptr) {
        std::string names;
        for (const projection::EntityTypeInfo& t : projection::EntityTypes()) {
          names += (names.empty() ? "" : ", ") + std::string(t.name);
        }
        errors.Add(field, "must be an entity type of the event catalog: " + names);
      } else {
        row.entity_type = v.text;
      }
    } else if (key == "period") {
      absl::StatusOr<projection::Period> p = v.kind == JsonNode::Kind::kString
                                                 ? projection::ParsePeriod(v.text)
                                                 : absl::InvalidArgumentError("");
      if (!p.ok() || p->granularity != projection::Granularity::kMonth) {
        errors.Add(field, "must be a month: \"YYYY-MM\"");
      } else {
        row.period = v.text;
      }
    } else if (key == "count") {
      if (!ParseCount(v, &row.count)) {
        errors.Add(field, "must be an integer from 0 to 9007199254740991");
      }
    } else if (key == "sum") {
      Money m;
      if (std::string rule = ParseSum(v, &m); !rule.empty()) {
        errors.Add(field, rule);
      } else {
        row.sum = m.units();
      }
    } else if (key == "ids") {
      ParseIds(v, field, total_ids, &row, errors);
    } else {
      errors.Add(field, "is not a field of a control total (entity_type, period, count, sum, ids)");
    }
  }
  for (std::string_view required : {"entity_type", "period", "count"}) {
    if (n.Find(required) == nullptr) errors.Add(at + "." + std::string(required), "is required");
  }
  if (type != nullptr && type->has_amount() && n.Find("sum") == nullptr) {
    errors.Add(at + ".sum", "is required: a " + row.entity_type + " has an amount (" +
                                std::string(type->amount) + ")");
  }
  if (type != nullptr && !type->has_amount() && n.Find("sum") != nullptr) {
    errors.Add(at + ".sum", "must be absent: a " + row.entity_type + " has no amount");
  }
  if (row.ids && n.Find("count") && row.ids->size() != row.count) {
    errors.Add(at + ".count",
               "is " + std::to_string(row.count) + " but ids lists " +
                   std::to_string(row.ids->size()),
               /*semantic=*/true);
  }
  body->rows.push_back(std::move(row));
}

// Validates the whole body: every broken rule is named (the first kMaxErrors of them).
std::optional<Problem> ParseBody(const std::string& text, Body* body) {
  Errors errors;
  absl::StatusOr<JsonNode> doc = ParseExactJson(text, 8);
  if (!doc.ok()) {
    errors.Add("body", std::string(doc.status().message()));
    return errors.ToProblem();
  }
  if (doc->kind != JsonNode::Kind::kObject) {
    errors.Add("body", "must be a JSON object with \"totals\"");
    return errors.ToProblem();
  }
  for (size_t k = 0; k < doc->keys.size(); ++k) {
    const std::string& key = doc->keys[k];
    const JsonNode& v = doc->items[k];
    if (doc->Find(key) != &v) {
      errors.Add(key, "duplicate key");
    } else if (key == "organization_id" || key == "timezone" || key == "source") {
      if (v.kind != JsonNode::Kind::kString || v.text.empty() || v.text.size() > 200) {
        errors.Add(key, "must be a string of 1 to 200 bytes");
      } else if (key == "organization_id") {
        body->organization_id = v.text;
      } else if (key == "timezone") {
        body->timezone = v.text;
      }
    } else if (key == "totals") {
      if (v.kind != JsonNode::Kind::kArray) {
        errors.Add(key, "must be an array of control totals");
      } else if (v.items.size() > kMaxRows) {
        errors.Add(key, "must hold at most 10000 control totals");
      } else {
        size_t ids = 0;
        for (size_t i = 0; i < v.items.size(); ++i) ParseRow(v.items[i], i, &ids, body, errors);
      }
    } else {
      errors.Add(key, "is not a field of the body (organization_id, timezone, source, totals)");
    }
  }
  if (doc->Find("totals") == nullptr) errors.Add("totals", "is required");
  // One row per (entity type, period).
  std::map<std::pair<std::string, std::string>, size_t> first;
  for (size_t i = 0; i < body->rows.size(); ++i) {
    const ControlRow& r = body->rows[i];
    if (r.entity_type.empty() || r.period.empty()) continue;
    auto [it, added] = first.emplace(std::make_pair(r.entity_type, r.period), i);
    if (!added) {
      errors.Add("totals[" + std::to_string(i) + "]",
                 "repeats the entity type and period of totals[" + std::to_string(it->second) +
                     "]");
    }
  }
  if (errors.any()) return errors.ToProblem();
  return std::nullopt;
}

// POST /admin/reconcile/{org}
void PostReconcile(const Services& s, Request& req, Responder respond) {
  const std::string& org = req.params["org"];
  if (auto p = CheckOrganization(s, req, Action::kAdmin, org)) {
    return respond(ProblemResponse(*p, req.path));
  }
  if (auto p = CheckKnownParameters(req, {})) return respond(ProblemResponse(*p, req.path));
  auto body = std::make_shared<Body>();
  if (auto p = ParseBody(req.body, body.get())) return respond(ProblemResponse(*p, req.path));
  // The tenant's settings in force: its months are those of its time zone.
  const projection::TenantSettings settings = s.projector->Read(org).view->settings;
  Errors semantic;
  if (!body->organization_id.empty() && body->organization_id != org) {
    semantic.Add("organization_id", "must be the organization of the path, " + org, true);
  }
  if (!body->timezone.empty() && body->timezone != settings.timezone) {
    semantic.Add("timezone",
                 "is " + body->timezone + " but the tenant's periods are months in " +
                     settings.timezone + " (PUT /admin/tenants/{org} sets it)",
                 true);
  }
  if (semantic.any()) return respond(ProblemResponse(semantic.ToProblem(), req.path));
  if (s.consistency == nullptr) {
    return respond(ProblemResponse(Unavailable("reconciliation is not available"), req.path));
  }
  store::EventStore* store = s.store;
  projection::ConsistencyService* service = s.consistency;
  std::string path = req.path;
  absl::Status queued = s.consistency->Run(
      org, [=](const std::atomic<bool>& cancel) {
        if (cancel.load()) {
          return respond(ProblemResponse(Unavailable("the server is stopping", 1), path));
        }
        const uint64_t position = store->LastPosition();
        projection::ControlTotalsBuilder held(projection::CalendarOf(settings));
        absl::StatusOr<uint64_t> read =
            projection::CollectTenantTotals(*store, org, position, &held, &cancel);
        if (read.ok() && *read == 0) read = absl::NotFoundError("no events");
        if (!read.ok()) return respond(ProblemResponse(StatusProblem(read.status(), org), path));
        service->CountReconciliation();
        uint64_t mismatches = 0;
        Response r = JsonResponse(projection::ReconcileJson(org, settings.timezone, position,
                                                            body->rows, held.cells(), {},
                                                            &mismatches));
        r.headers.emplace_back("X-Readside-Position", std::to_string(position));
        respond(std::move(r));
      });
  if (!queued.ok()) respond(ProblemResponse(Unavailable(std::string(queued.message())), path));
}

}  // namespace

void AddConsistencyRoutes(Router* router, const Services& services) {
  router->Add("POST", "/admin/consistency/{org}", Bind(services, PostCheck));
  router->Add("GET", "/admin/consistency/{org}", Bind(services, GetCheck));
  router->Add("GET", "/admin/consistency", Bind(services, GetChecks));
  router->Add("POST", "/admin/reconcile/{org}", Bind(services, PostReconcile));
}

}  // namespace readside::http
