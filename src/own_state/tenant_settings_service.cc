#include "own_state/tenant_settings_service.h"

#include <boost/json.hpp>
#include <optional>

#include "common/currency.h"
#include "common/time_zone.h"
#include "event/parser.h"
#include "own_state/tenant_settings_codec.h"
#include "store/event_store.h"

namespace readside::own_state {
namespace {

Problem BadField(std::string_view field, std::string_view message) {
  Problem p{.status = 400, .title = "Invalid tenant settings"};
  p.detail = std::string(field) + " " + std::string(message);
  p.errors.push_back({std::string(field), std::string(message)});
  return p;
}

// Checks one member of a patch and applies it to `settings`.
std::optional<Problem> ApplyMember(std::string_view key, const boost::json::value& value,
                                   TenantSettings* settings) {
  if (key != "timezone" && key != "currency" && key != "name") {
    return BadField(key, "is not a tenant setting (timezone, currency, name)");
  }
  if (!value.is_string()) return BadField(key, "must be a string");
  std::string text(value.as_string());
  if (key == "timezone") {
    if (!LoadIanaTimeZone(text).ok()) {
      return BadField("timezone", "must be an IANA time zone such as Europe/Berlin");
    }
    settings->timezone = std::move(text);
  } else if (key == "currency") {
    if (!IsIso4217Currency(text)) {
      return BadField("currency", "must be an ISO 4217 code such as EUR");
    }
    settings->currency = std::move(text);
  } else {
    if (text.size() > 200) return BadField("name", "must be at most 200 characters");
    settings->name = std::move(text);
  }
  return std::nullopt;
}

// Applies the patch's members in order; a Problem names the first bad one.
std::optional<Problem> ApplyPatch(std::string_view patch, TenantSettings* settings) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(patch, ec);
  if (ec || !v.is_object()) return BadField("body", "must be a JSON object");
  for (const auto& [key, value] : v.as_object()) {
    if (auto problem = ApplyMember(std::string_view(key.data(), key.size()), value, settings)) {
      return problem;
    }
  }
  return std::nullopt;
}

}  // namespace

TenantSettingsService::TenantSettingsService(store::EventStore* store, AppliedSettings applied,
                                             const Clock* clock)
    : store_(store), applied_(std::move(applied)), clock_(clock) {}

TenantSettingsAt TenantSettingsService::Get(const std::string& organization_id) const {
  return applied_(organization_id);
}

void TenantSettingsService::Put(const std::string& organization_id, std::string_view patch,
                                std::function<void(PutReply)> done) const {
  TenantSettings settings = applied_(organization_id).settings;
  settings.organization_id = organization_id;
  if (auto problem = ApplyPatch(patch, &settings)) return done(*std::move(problem));
  int64_t now = clock_->NowMicros();
  store::EventToStore e{.organization_id = organization_id,
                        .event_id = event::NewUuid(),
                        .event_id_assigned = true,
                        .entity_id = organization_id,
                        .event_type = std::string(kTenantConfiguredType),
                        .timestamp_micros = now};
  e.json = EncodeTenantConfigured(settings, e.event_id, now);
  store::AppendRequest append;
  append.events.push_back(std::move(e));
  auto stored = [settings = std::move(settings), done = std::move(done)](
                    absl::StatusOr<std::vector<store::AppendOutcome>> outcomes) mutable {
    if (!outcomes.ok()) return done(store::AppendFailureProblem(outcomes.status()));
    done(TenantSettingsAt{std::move(settings), outcomes->front().position});
  };
  if (appender_) {
    appender_(std::move(append), std::move(stored));
  } else {
    store_->AppendAsync(std::move(append), std::move(stored));
  }
}

}  // namespace readside::own_state
