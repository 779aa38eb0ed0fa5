#include "own_state/tenant_settings_codec.h"

#include <boost/json.hpp>

#include "own_state/own_event.h"

namespace readside::own_state {
namespace {

absl::Status NotSettings(std::string_view why) {
  return absl::InvalidArgumentError("not a " + std::string(kTenantConfiguredType) +
                                    " event: " + std::string(why));
}

std::string_view View(const boost::json::string& s) { return {s.data(), s.size()}; }

// A string member of `object`: its text, nullptr when absent, an error when not a string.
absl::StatusOr<const boost::json::string*> StringMember(const boost::json::object& object,
                                                        std::string_view key) {
  const boost::json::value* v = object.if_contains(key);
  if (v == nullptr) return nullptr;
  if (!v->is_string()) return NotSettings(std::string(key) + " is not a string");
  return &v->as_string();
}

}  // namespace

std::string EncodeTenantConfigured(const TenantSettings& t, std::string_view event_id,
                                   int64_t timestamp_micros) {
  OwnEventHeader header{.event_id = event_id,
                        .event_type = kTenantConfiguredType,
                        .organization_id = t.organization_id,
                        .timestamp_micros = timestamp_micros,
                        .entity_id = t.organization_id,
                        .entity_type = "tenant",
                        .action = "configured"};
  return EncodeOwnEvent(header, [&](JsonBuilder& b) {
    b.Key("name").String(t.name).Key("timezone").String(t.timezone);
    b.Key("currency").String(t.currency);
  });
}

absl::StatusOr<TenantSettings> DecodeTenantConfigured(std::string_view event_json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(event_json, ec);
  if (ec) return NotSettings("invalid JSON (" + ec.message() + ")");
  if (!v.is_object()) return NotSettings("not a JSON object");
  const boost::json::object& event = v.as_object();
  absl::StatusOr<const boost::json::string*> type = StringMember(event, "event_type");
  if (!type.ok()) return type.status();
  if (*type == nullptr || View(**type) != kTenantConfiguredType) {
    return NotSettings("event_type is missing or another type");
  }
  absl::StatusOr<const boost::json::string*> org = StringMember(event, "organization_id");
  if (!org.ok()) return org.status();
  if (*org == nullptr) return NotSettings("no organization_id");
  const boost::json::value* payload = v.find_pointer("/data/payload", ec);
  if (payload == nullptr || !payload->is_object()) return NotSettings("no data.payload object");

  TenantSettings settings;
  settings.organization_id = std::string(View(**org));
  std::pair<std::string_view, std::string*> fields[] = {
      {"name", &settings.name}, {"timezone", &settings.timezone}, {"currency", &settings.currency}};
  for (auto [key, out] : fields) {
    absl::StatusOr<const boost::json::string*> text = StringMember(payload->as_object(), key);
    if (!text.ok()) return text.status();
    if (*text != nullptr) *out = std::string(View(**text));
  }
  return settings;
}

}  // namespace readside::own_state
