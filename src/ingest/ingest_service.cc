#include "ingest/ingest_service.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/notification.h"
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

void AppendRejections(const std::vector<Rejection>& rejected, JsonBuilder* b) {
  b->Key("rejected").BeginArray();
  for (const Rejection& r : rejected) {
    b->BeginObject().Key("index").Int(static_cast<int64_t>(r.index));
    if (!r.event_id.empty()) b->Key("event_id").String(r.event_id);
    b->Key("errors").BeginArray();
    for (const auto& e : r.errors) {
      b->BeginObject().Key("field").String(e.field).Key("message").String(e.message).EndObject();
    }
    b->EndArray().EndObject();
  }
  b->EndArray();
}

// The answer once the bus acknowledged the accepted events: duplicates and conflicts are
// decided when they are consumed (they count in /metrics and the tenant's counts then).
IngestAnswer BuildPublishedAnswer(const Batch& batch, const EventPublisher::Published& published,
                                  IngestCounters* counters) {
  uint64_t accepted = batch.indexes.size();
  counters->rejected.Add(batch.rejected.size());
  JsonBuilder b;
  b.BeginObject().Key("accepted").Int(static_cast<int64_t>(accepted));
  AppendRejections(batch.rejected, &b);
  b.Key("topic").String(published.topic);
  b.Key("offsets").BeginObject();
  for (const auto& [partition, offset] : published.last_offsets) {
    b.Key(std::to_string(partition)).Int(offset);
  }
  b.EndObject().EndObject();
  return IngestAnswer{b.Take(), accepted, 0, FormatPartitionOffsets(published.last_offsets)};
}

std::string ReasonOf(const std::vector<event::FieldError>& errors) {
  std::string reason;
  for (const auto& e : errors) {
    if (!reason.empty()) reason += "; ";
    reason += (e.field.empty() ? "event" : e.field) + ": " + e.message;
  }
  return reason;
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
  AppendRejections(batch.rejected, &b);
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
                           const std::function<bool(std::string_view)>& may_write,
                           const trace::SpanContext& parent) {
  if (behind_ && publisher_ == nullptr) {
    if (uint64_t behind = behind_(); behind > max_behind_) {
      refused_behind_.Add();
      return done(Problem{
          .status = 503,
          .title = "Read models behind",
          .detail = "the read models are " + std::to_string(behind) +
                    " events behind the store, more than --ingest-max-lag (" +
                    std::to_string(max_behind_) +
                    "): nothing of this request was stored. Retry after Retry-After (event "
                    "ids make a retry idempotent)",
          .retry_after_seconds = 1});
    }
  }
  counters_.requests.Add();
  // Tracing: an "ingest" span for the request, ended with the answer (off: nothing at all).
  std::shared_ptr<trace::Span> span;
  if (tracer_ != nullptr && tracer_->enabled()) {
    trace::Span started = tracer_->StartSpan("ingest", parent);
    if (started.recording()) {
      span = std::make_shared<trace::Span>(std::move(started));
      done = [span, done = std::move(done)](IngestReply reply) {
        if (const auto* problem = std::get_if<Problem>(&reply)) {
          span->SetAttribute("readside.problem.status", problem->status);
          span->SetStatus(trace::SpanStatus::kError, problem->title);
        } else {
          const auto& answer = std::get<IngestAnswer>(reply);
          span->SetAttribute("readside.events.accepted", static_cast<int64_t>(answer.accepted));
          span->SetAttribute("readside.events.duplicates",
                             static_cast<int64_t>(answer.duplicates));
          span->SetStatus(trace::SpanStatus::kOk);
        }
        span->End();
        done(std::move(reply));
      };
    }
  }
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
  IngestCounters* counters = &counters_;
  if (span) {
    // The events' correlation ids that name a producer's span (a traceparent) link to it.
    span->SetAttribute("readside.events.received",
                       static_cast<int64_t>(request.events.size() + batch->rejected.size()));
    span->SetAttribute("readside.events.rejected", static_cast<int64_t>(batch->rejected.size()));
    // Other correlation ids (a business transaction's UUID) cannot be links: they are
    // recorded, so that a trace backend finds the request by them: `readside.correlation_id`
    // when the batch's events share one, else the first kMaxCorrelationIds distinct ones,
    // comma-separated, in `readside.correlation_ids` with their number in `…_count`.
    constexpr size_t kMaxCorrelationIds = 16;
    std::vector<std::string_view> ids;
    absl::flat_hash_set<std::string_view> seen;
    for (const store::EventToStore& e : request.events) {
      std::string_view id = trace::CorrelationIdOfEventJson(e.json);
      if (id.empty()) continue;
      if (auto linked = trace::ContextFromCorrelationId(id)) {
        span->AddLink(*linked);
      } else if (seen.insert(id).second && ids.size() < kMaxCorrelationIds) {
        ids.push_back(id);
      }
    }
    size_t distinct = seen.size();
    if (distinct == 1) {
      span->SetAttribute("readside.correlation_id", ids.front());
    } else if (distinct > 1) {
      std::string joined;  // (Debian's absl::StrJoin takes absl::string_view, not std's)
      for (std::string_view id : ids) {
        if (!joined.empty()) joined += ',';
        joined += id;
      }
      span->SetAttribute("readside.correlation_ids", joined);
      span->SetAttribute("readside.correlation_ids_count", static_cast<int64_t>(distinct));
    }
    request.trace = span->context();
  } else {
    request.trace = parent;
  }
  if (publisher_ != nullptr) {
    // Rejections are answered, not stored: the bus carries only valid events (a node counts
    // a tenant's rejections where they were refused, here).
    if (!rejected_by_org.empty()) {
      store::AppendRequest counts;
      counts.rejected_by_org.assign(rejected_by_org.begin(), rejected_by_org.end());
      store_->AppendAsync(std::move(counts), [](auto) {});
    }
    std::vector<EventPublisher::Message> messages;
    messages.reserve(request.events.size());
    for (store::EventToStore& e : request.events) {
      messages.push_back({std::move(e.organization_id), std::move(e.json)});
    }
    if (messages.empty()) {
      return done(BuildPublishedAnswer(*batch, {}, counters));
    }
    publisher_->Publish(std::move(messages), [batch, counters, done = std::move(done)](
                                                 absl::StatusOr<EventPublisher::Published> r) {
      if (!r.ok()) {
        return done(Problem{.status = 503,
                            .title = "Event bus unavailable",
                            .detail = "the events were not acknowledged by Kafka: " +
                                      std::string(r.status().message()) +
                                      ". Retry: event ids make a retry idempotent",
                            .retry_after_seconds = 1});
      }
      done(BuildPublishedAnswer(*batch, *r, counters));
    });
    return;
  }
  request.rejected_by_org.assign(rejected_by_org.begin(), rejected_by_org.end());
  store::EventStore* store = store_;
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

event::EventParser& IngestService::OwnParser() {
  thread_local std::unique_ptr<event::EventParser> parser;
  thread_local const IngestService* parser_owner = nullptr;
  if (!parser || parser_owner != this) {
    event::ParserOptions o = options_;
    o.own_events = true;
    parser = std::make_unique<event::EventParser>(o);
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
    std::string reason = ReasonOf(errors);
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

store::AppendRequest IngestService::PrepareMessages(std::span<const SourceMessage> messages,
                                                   std::vector<store::SourceOffset> offsets,
                                                   std::vector<size_t>* key_mismatches) {
  event::EventParser& parser = Parser();
  event::EventParser& own = OwnParser();
  event::Event ev;
  std::vector<event::FieldError> errors;
  store::AppendRequest request;
  request.events.reserve(messages.size());
  std::map<std::string, uint64_t> rejected_by_org;
  int64_t now = clock_->NowMicros();
  for (size_t i = 0; i < messages.size(); ++i) {
    const SourceMessage& m = messages[i];
    if ((m.own ? own : parser).ParseOne(m.value, &ev, &errors)) {
      if (ev.event_id_assigned) {
        // Every node must give it the same id: named by its coordinates and bytes, so that a
        // message consumed again is a duplicate, and a different one at the same coordinates
        // (a recreated topic) is not.
        std::string name = std::string(m.source) + "/" + std::to_string(m.partition) + "/" +
                           std::to_string(m.offset) + "\n";
        name.append(m.value);
        std::string id = event::NameUuid(event::kReadsideNamespace, name);
        // The parser put `"event_id":"<random>",` first in the object.
        constexpr std::string_view kKey = "\"event_id\":\"";
        size_t at = 1 + kKey.size();
        if (ev.json.compare(1, kKey.size(), kKey) == 0 &&
            ev.json.compare(at, ev.event_id.size(), ev.event_id) == 0) {
          ev.json.replace(at, ev.event_id.size(), id);
          ev.event_id = std::move(id);
          // Not a fresh random id any more: the store must look it up like a sent one (a
          // message consumed again is a duplicate).
          ev.event_id_assigned = false;
        }
      }
      if (key_mismatches != nullptr && (!m.key || *m.key != ev.organization_id)) {
        key_mismatches->push_back(i);
      }
      request.events.push_back(TakeForStore(ev));
      continue;
    }
    request.dead_letters.push_back(
        {.received_micros = now,
         .source = std::string(m.source) + "/" + std::to_string(m.partition) + "/" +
                   std::to_string(m.offset),
         .reason = ReasonOf(errors),
         .raw = std::string(m.value)});
    if (event::IsValidOrganizationId(ev.organization_id)) ++rejected_by_org[ev.organization_id];
  }
  request.rejected_by_org.assign(rejected_by_org.begin(), rejected_by_org.end());
  request.source_offsets = std::move(offsets);
  return request;
}

void IngestService::StorePrepared(store::AppendRequest request,
                                  std::function<void(absl::Status)> done) {
  size_t dead = request.dead_letters.size();
  store_->AppendAsync(std::move(request),
                      [this, dead, done = std::move(done)](
                          absl::StatusOr<std::vector<store::AppendOutcome>> r) {
                        if (!r.ok()) return done(r.status());
                        bus_counters_.rejected.Add(dead);
                        for (const auto& o : *r) {
                          if (o.outcome == store::Outcome::kAccepted) bus_counters_.accepted.Add();
                          if (o.outcome == store::Outcome::kDuplicate) bus_counters_.duplicates.Add();
                          if (o.outcome == store::Outcome::kConflict) bus_counters_.conflicts.Add();
                        }
                        done(absl::OkStatus());
                      });
}

absl::Status IngestService::IngestMessages(std::span<const SourceMessage> messages,
                                           std::vector<store::SourceOffset> offsets) {
  absl::Notification stored;
  absl::Status status;
  StorePrepared(PrepareMessages(messages, std::move(offsets)), [&](absl::Status s) {
    status = std::move(s);
    stored.Notify();
  });
  stored.WaitForNotification();
  return status;
}

absl::StatusOr<PartitionOffsets> ParsePartitionOffsets(std::string_view text) {
  PartitionOffsets out;
  if (text.empty()) return absl::InvalidArgumentError("must list partition:offset pairs");
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(pos, comma - pos);
    size_t colon = item.find(':');
    int32_t partition = -1;
    int64_t offset = -1;
    auto whole = [](std::string_view s, auto* v) {
      auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
      return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size() && *v >= 0;
    };
    if (colon == std::string_view::npos || !whole(item.substr(0, colon), &partition) ||
        !whole(item.substr(colon + 1), &offset)) {
      return absl::InvalidArgumentError(
          "must be partition:offset pairs separated by commas (non-negative integers), such as "
          "0:17,3:5; got '" + std::string(item) + "'");
    }
    for (const auto& [p, o] : out) {
      if (p == partition) {
        return absl::InvalidArgumentError("names partition " + std::to_string(partition) +
                                          " twice");
      }
    }
    out.emplace_back(partition, offset);
    if (out.size() > 1024) return absl::InvalidArgumentError("lists more than 1024 partitions");
    pos = comma + 1;
    if (comma == text.size()) break;
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string FormatPartitionOffsets(const PartitionOffsets& offsets) {
  std::string out;
  for (const auto& [p, o] : offsets) {
    if (!out.empty()) out += ',';
    out += std::to_string(p) + ':' + std::to_string(o);
  }
  return out;
}

void IngestService::RegisterMetrics(MetricsRegistry* registry) const {
  registry->Add([this](std::string* out) {
    // operations.md's name, by outcome and source.
    *out += "# HELP readside_ingest_events_total events received, by outcome and source\n"
            "# TYPE readside_ingest_events_total counter\n";
    std::pair<const char*, const IngestCounters*> sources[] = {{"http", &counters_},
                                                               {"kafka", &bus_counters_}};
    for (const auto& [source, c] : sources) {
      std::pair<const char*, uint64_t> outcomes[] = {{"accepted", c->accepted.value()},
                                                     {"duplicate", c->duplicates.value()},
                                                     {"conflict", c->conflicts.value()},
                                                     {"rejected", c->rejected.value()}};
      for (const auto& [outcome, n] : outcomes) {
        *out += std::string("readside_ingest_events_total{outcome=\"") + outcome +
                "\",source=\"" + source + "\"} " + std::to_string(n) + "\n";
      }
    }
    RenderCounter("readside_ingest_requests_total", "POST /events requests parsed",
                  counters_.requests.value(), out);
    RenderCounter("readside_ingest_backpressure_total",
                  "POST /events requests refused (503) while the read models trailed the store "
                  "by more than --ingest-max-lag events",
                  refused_behind_.value(), out);
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
