#include "ingest/ingest_service.h"

#include <map>
#include <memory>

#include "common/json_writer.h"

namespace readside::ingest {
namespace {

struct Rejection {
  size_t index;
  std::string event_id;
  std::vector<event::FieldError> errors;
};

// What the parse pass collected; shared with the commit callback.
struct Batch {
  std::vector<size_t> indexes;  // batch index of each stored event
  std::vector<std::string> event_ids;
  std::vector<Rejection> rejected;
};

// Moves what the store keeps out of a validated event.
store::EventToStore TakeForStore(event::Event& ev) {
  return {std::move(ev.organization_id), std::move(ev.event_id), ev.event_id_assigned,
          std::move(ev.entity_id),       std::move(ev.event_type), ev.timestamp_micros,
          std::move(ev.json)};
}

IngestAnswer BuildAnswer(const Batch& batch, const std::vector<store::AppendOutcome>& outcomes,
                         uint64_t last_position, IngestCounters* counters) {
  uint64_t accepted = 0, duplicates = 0, position = 0;
  JsonBuilder conflicts;
  conflicts.BeginArray();
  for (size_t i = 0; i < outcomes.size(); ++i) {
    switch (outcomes[i].outcome) {
      case store::Outcome::kAccepted:
        ++accepted;
        position = outcomes[i].position;
        break;
      case store::Outcome::kDuplicate: ++duplicates; break;
      case store::Outcome::kConflict:
        conflicts.BeginObject().Key("index").Int(static_cast<int64_t>(batch.indexes[i]));
        conflicts.Key("event_id").String(batch.event_ids[i]).EndObject();
        counters->conflicts.Add();
        break;
    }
  }
  conflicts.EndArray();
  counters->accepted.Add(accepted);
  counters->duplicates.Add(duplicates);
  counters->rejected.Add(batch.rejected.size());
  JsonBuilder b;
  b.BeginObject().Key("accepted").Int(static_cast<int64_t>(accepted));
  b.Key("duplicates").Int(static_cast<int64_t>(duplicates));
  b.Key("conflicts").Raw(conflicts.str());
  b.Key("rejected").BeginArray();
  for (const Rejection& r : batch.rejected) {
    b.BeginObject().Key("index").Int(static_cast<int64_t>(r.index));
    if (!r.event_id.empty()) b.Key("event_id").String(r.event_id);
    b.Key("errors").BeginArray();
    for (const auto& e : r.errors) {
      b.BeginObject().Key("field").String(e.field).Key("message").String(e.message).EndObject();
    }
    b.EndArray().EndObject();
  }
  b.EndArray();
  // Without accepted events, the store's head: waiting for it still gives read-your-writes.
  b.Key("position").Int(static_cast<int64_t>(accepted > 0 ? position : last_position));
  b.EndObject();
  return IngestAnswer{b.Take(), accepted, duplicates};
}

event::FieldError NotYourOrganization() {
  return {"organization_id", "is not an organization of this token"};
}

}  // namespace

IngestService::IngestService(store::EventStore* store, event::ParserOptions options,
                             const Clock* clock)
    : store_(store), options_(options), clock_(clock) {}

void IngestService::Ingest(std::string_view body, event::BodyFormat format,
                           std::function<void(IngestReply)> done,
                           const std::function<bool(std::string_view)>& may_write) {
  counters_.requests.Add();
  event::EventParser* parser = &Parser();
  auto batch = std::make_shared<Batch>();
  store::AppendRequest request;
  std::map<std::string, uint64_t> rejected_by_org;
  std::string body_error = parser->ParseBody(
      body, format, [&](size_t index, event::Event& ev, const event::ItemResult& r) {
        if (!r.ok) {
          if (!r.organization_id.empty() && may_write && !may_write(r.organization_id)) {
            batch->rejected.push_back({index, r.event_id, {NotYourOrganization()}});
            return;
          }
          batch->rejected.push_back({index, r.event_id, r.errors});
          if (!r.organization_id.empty()) ++rejected_by_org[r.organization_id];
          return;
        }
        if (may_write && !may_write(ev.organization_id)) {
          batch->rejected.push_back({index, ev.event_id, {NotYourOrganization()}});
          return;
        }
        batch->indexes.push_back(index);
        batch->event_ids.push_back(ev.event_id);
        request.events.push_back(TakeForStore(ev));
      });
  if (!body_error.empty()) {
    bool too_many = body_error.find("more than") != std::string::npos;
    done(Problem{.status = too_many ? 413 : 400,
                 .title = too_many ? "Batch too large" : "Malformed request body",
                 .detail = body_error});
    return;
  }
  request.rejected_by_org.assign(rejected_by_org.begin(), rejected_by_org.end());
  store::EventStore* store = store_;
  IngestCounters* counters = &counters_;
  store_->AppendAsync(
      std::move(request),
      [batch, store, counters, done = std::move(done)](
          absl::StatusOr<std::vector<store::AppendOutcome>> result) {
        if (!result.ok()) return done(store::AppendFailureProblem(result.status()));
        done(BuildAnswer(*batch, *result, store->LastPosition(), counters));
      });
}

event::EventParser& IngestService::Parser() {
  thread_local std::unique_ptr<event::EventParser> parser;
  thread_local const IngestService* parser_owner = nullptr;
  if (!parser || parser_owner != this) {
    parser = std::make_unique<event::EventParser>(options_);
    parser_owner = this;
  }
  return *parser;
}

void IngestService::IngestUnattended(std::string_view ndjson, std::string source,
                                     std::function<void(absl::StatusOr<size_t>)> done) {
  event::EventParser& parser = Parser();
  event::Event ev;
  std::vector<event::FieldError> errors;
  store::AppendRequest request;
  std::map<std::string, uint64_t> rejected_by_org;
  size_t dead = 0, line_no = 0, pos = 0;
  while (pos < ndjson.size()) {
    size_t nl = ndjson.find('\n', pos);
    if (nl == std::string_view::npos) nl = ndjson.size();
    std::string_view line = ndjson.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (parser.ParseOne(line, &ev, &errors)) {
      request.events.push_back(TakeForStore(ev));
      continue;
    }
    std::string reason;
    for (const auto& e : errors) {
      if (!reason.empty()) reason += "; ";
      reason += (e.field.empty() ? "event" : e.field) + ": " + e.message;
    }
    absl::StatusOr<uint64_t> id = store_->AddDeadLetter(
        {.received_micros = clock_->NowMicros(),
         .source = source + "#" + std::to_string(line_no),
         .reason = reason,
         .raw = std::string(line)});
    if (!id.ok()) return done(id.status());
    ++dead;
    counters_.rejected.Add();
    if (event::IsValidOrganizationId(ev.organization_id)) {
      ++rejected_by_org[ev.organization_id];
    }
  }
  request.rejected_by_org.assign(rejected_by_org.begin(), rejected_by_org.end());
  IngestCounters* counters = &counters_;
  store_->AppendAsync(std::move(request), [dead, counters, done = std::move(done)](
                                              absl::StatusOr<std::vector<store::AppendOutcome>> r) {
    if (!r.ok()) return done(r.status());
    for (const auto& o : *r) {
      if (o.outcome == store::Outcome::kAccepted) counters->accepted.Add();
      if (o.outcome == store::Outcome::kDuplicate) counters->duplicates.Add();
      if (o.outcome == store::Outcome::kConflict) counters->conflicts.Add();
    }
    done(dead);
  });
}

void IngestService::RegisterMetrics(MetricsRegistry* registry) const {
  registry->Add([this](std::string* out) {
    RenderCounter("readside_ingest_requests_total", "POST /events requests parsed",
                  counters_.requests.value(), out);
    RenderCounter("readside_ingest_events_accepted_total", "events stored",
                  counters_.accepted.value(), out);
    RenderCounter("readside_ingest_events_duplicate_total", "events acknowledged as duplicates",
                  counters_.duplicates.value(), out);
    RenderCounter("readside_ingest_events_conflict_total",
                  "events whose idempotency key exists with other content",
                  counters_.conflicts.value(), out);
    RenderCounter("readside_ingest_events_rejected_total", "events that broke the contract",
                  counters_.rejected.value(), out);
  });
}

}  // namespace readside::ingest
