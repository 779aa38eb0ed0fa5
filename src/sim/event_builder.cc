#include "sim/event_builder.h"

#include "sim/sim_time.h"

namespace readside::sim {
namespace {

constexpr std::string_view kUserAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) ERP-Web/4.2",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) ERP-Web/4.2",
    "ERP-Mobile/2.7 (iOS 17.2)",
    "ERP-Mobile/2.7 (Android 14)",
};

// The JSON string contents of s (escaped, without quotes).
std::string Escaped(const std::string& s) {
  std::string quoted;
  JsonWriter writer(&quoted);
  writer.String(s);
  return quoted.substr(1, quoted.size() - 2);
}

}  // namespace

EventBuilder::EventBuilder(const std::vector<std::string>& tenant_names, Rng* rng) : rng_(rng) {
  for (const std::string& org : tenant_names) {
    for (int t = 0; t < kEventTypeCount; ++t) {
      const EventTypeInfo& info = InfoOf(static_cast<EventType>(t));
      type_org_fragments_.push_back("\",\"event_type\":\"" + std::string(info.event_type) +
                                    "\",\"organization_id\":\"" + Escaped(org) +
                                    "\",\"timestamp\":\"");
    }
  }
  for (int t = 0; t < kEventTypeCount; ++t) {
    const EventTypeInfo& info = InfoOf(static_cast<EventType>(t));
    service_fragments_.push_back("\",\"version\":\"1.0\",\"source_service\":\"" +
                                 std::string(info.source_service) + "\"");
    entity_fragments_.push_back("\",\"entity_type\":\"" + std::string(info.entity_type) +
                                "\",\"action\":\"" + std::string(info.action) + "\",\"payload\":{");
  }
}

JsonWriter& EventBuilder::Begin(SimEvent* ev, int tenant, EventType type, uint64_t entity_num,
                                int64_t timestamp, uint64_t flow) {
  const int t = static_cast<int>(type);
  const EntityKind kind = InfoOf(type).entity_kind;
  ev_ = ev;
  tenant_ = tenant;
  ev->timestamp = timestamp;
  ev->entity_key = EntityKey(tenant, kind, entity_num);
  ev->n_refs = 0;
  std::string& out = ev->line;
  out.clear();
  out.append("{\"event_id\":\"");
  rng_->AppendUuid(&out);
  out.append(type_org_fragments_[static_cast<size_t>(tenant) * kEventTypeCount + t]);
  AppendTimestamp(timestamp, &out);
  out.append(service_fragments_[t]);
  if (flow != 0) {
    out.append(",\"correlation_id\":\"");
    AppendUuidFromValue(flow, &out);
    out.push_back('"');
  }
  out.append(",\"data\":{\"entity_id\":\"");
  AppendEntityId(kind, entity_num, &out);
  out.append(entity_fragments_[t]);
  writer_.Reset(&out, false);
  return writer_;
}

void EventBuilder::AddRef(EntityKind kind, uint64_t num) {
  if (ev_->n_refs < kMaxRefs) ev_->refs[ev_->n_refs++] = EntityKey(tenant_, kind, num);
}

void EventBuilder::RefField(std::string_view key, EntityKind kind, uint64_t num) {
  writer_.Key(key);
  RefValue(kind, num);
}

void EventBuilder::RefValue(EntityKind kind, uint64_t num) {
  writer_.BeginString();
  AppendEntityId(kind, num, &ev_->line);
  writer_.EndString();
  AddRef(kind, num);
}

void EventBuilder::End(int64_t user_employee) {
  std::string& out = ev_->line;
  out.append("},\"metadata\":{\"user_id\":\"");
  if (user_employee >= 0) {
    AppendEntityId(EntityKind::kEmployee, static_cast<uint64_t>(user_employee), &out);
  } else {
    out.append("system");
  }
  out.push_back('"');
  if (user_employee >= 0 && rng_->Chance(0.15)) {
    uint64_t r = rng_->Next();
    out.append(",\"ip_address\":\"10.");
    AppendInt(static_cast<int64_t>(r & 0xff), &out);
    out.push_back('.');
    AppendInt(static_cast<int64_t>((r >> 8) & 0xff), &out);
    out.push_back('.');
    AppendInt(static_cast<int64_t>(1 + (r >> 16) % 254), &out);
    out.append("\",\"user_agent\":\"");
    out.append(kUserAgents[(r >> 32) % 4]);
    out.push_back('"');
  }
  out.append("}}}");
}

}  // namespace readside::sim
