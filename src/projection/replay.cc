#include "projection/replay.h"

#include "event/parser.h"
#include "own_state/own_event.h"
#include "own_state/tenant_settings_codec.h"
#include "spdlog/spdlog.h"
#include "store/event_store.h"

namespace readside::projection {
namespace {

using Visit = std::function<bool(const store::StoredEvent&)>;

// Visits the events to replay in position order: one tenant's through its index, or all.
absl::Status ForEachStored(const store::EventStore& store, const ReplayOptions& o,
                           const Visit& fn) {
  if (o.organization_id.empty()) return store.ReadRange(0, o.until, fn);
  store::EventQuery q{.organization_id = o.organization_id, .limit = 1000};
  while (true) {
    absl::StatusOr<store::QueryPage> page = store.Query(q);
    if (!page.ok()) return page.status();
    for (const store::StoredEvent& e : page->events) {
      if (e.position > o.until || !fn(e)) return absl::OkStatus();
    }
    if (!page->next) return absl::OkStatus();
    q.after_position = *page->next;
  }
}

}  // namespace

TenantSettings SettingsFromEvent(const store::StoredEvent& stored) {
  absl::StatusOr<TenantSettings> settings = own_state::DecodeTenantConfigured(stored.json);
  if (!settings.ok()) {
    spdlog::error("position {}: {}; tenant {} keeps the default settings", stored.position,
                  std::string(settings.status().message()), stored.organization_id);
    settings = TenantSettings{};
  }
  settings->organization_id = stored.organization_id;  // the store's record is authoritative
  return *std::move(settings);
}

LocalCalendar CalendarOf(const TenantSettings& settings) {
  absl::StatusOr<LocalCalendar> calendar = LocalCalendar::Create(settings.timezone);
  if (calendar.ok()) return *std::move(calendar);
  spdlog::error("tenant {}: {}; using UTC", settings.organization_id,
                std::string(calendar.status().message()));
  return LocalCalendar::Utc();
}

absl::StatusOr<TenantMap> ReplayTenants(const store::EventStore& store,
                                        const ReplayOptions& o) {
  // Pass 1: each tenant's latest settings (event types only, no JSON parsing).
  absl::flat_hash_map<std::string, TenantSettings> settings;
  if (o.settings) {
    settings[o.settings->organization_id] = *o.settings;
  } else {
    uint64_t total = 0;
    absl::Status s = ForEachStored(store, o, [&](const store::StoredEvent& e) {
      if (o.cancel && o.cancel->load(std::memory_order_relaxed)) return false;
      ++total;
      if (e.event_type == kTenantConfiguredType) settings[e.organization_id] = SettingsFromEvent(e);
      return true;
    });
    if (!s.ok()) return s;
    if (o.events_total) o.events_total->store(total, std::memory_order_relaxed);
  }
  // Pass 2: apply everything with those settings.
  TenantMap tenants;
  event::EventParser parser(
      {.assign_missing_event_id = false, .keep_json = false, .stored_input = true});
  event::Event e;
  std::vector<event::FieldError> errors;
  bool cancelled = false;
  absl::Status s = ForEachStored(store, o, [&](const store::StoredEvent& stored) {
    if (o.cancel && o.cancel->load(std::memory_order_relaxed)) return !(cancelled = true);
    if (o.events_read) o.events_read->fetch_add(1, std::memory_order_relaxed);
    std::unique_ptr<TenantProjection>& tenant = tenants[stored.organization_id];
    if (!tenant) {
      auto it = settings.find(stored.organization_id);
      tenant = it == settings.end()
                   ? TenantProjection::WithDefaults(stored.organization_id)
                   : std::make_unique<TenantProjection>(it->second, CalendarOf(it->second));
    }
    if (stored.event_type == kTenantConfiguredType) return true;
    if (stored.event_type.starts_with(own_state::kOwnEventTypePrefix)) {
      if (!tenant->ApplyOwnEvent(stored.event_type, stored.json, stored.position)) {
        spdlog::error("position {}: stored {} event does not decode", stored.position,
                      stored.event_type);
      }
      return true;
    }
    errors.clear();
    if (parser.ParseOne(stored.json, &e, &errors)) {
      tenant->Apply(e, stored.position, o.now_micros);
    } else {
      spdlog::error("position {}: stored event no longer parses: {}", stored.position,
                    errors.empty() ? std::string() : errors[0].field + " " + errors[0].message);
    }
    return true;
  });
  if (!s.ok()) return s;
  if (cancelled) return absl::CancelledError("replay cancelled");
  if (o.settings && !tenants.contains(o.settings->organization_id)) {
    tenants[o.settings->organization_id] =
        std::make_unique<TenantProjection>(*o.settings, CalendarOf(*o.settings));
  }
  return tenants;
}

}  // namespace readside::projection
