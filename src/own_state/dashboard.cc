#include "own_state/dashboard.h"

#include <boost/json.hpp>

#include "own_state/own_event.h"
#include "own_state/payload_reader.h"

namespace readside::own_state {
namespace {

constexpr std::string_view kWhat = "readside.dashboard";

absl::Status Bad(std::string_view why) {
  return absl::InvalidArgumentError("not a readside.dashboard event: " + std::string(why));
}

void WriteStrings(const std::vector<std::string>& v, JsonBuilder& out) {
  out.BeginArray();
  for (const std::string& s : v) out.String(s);
  out.EndArray();
}

void WriteWidget(const Widget& w, JsonBuilder& out) {
  out.BeginObject().Key("id").String(w.id).Key("type").String(w.type);
  out.Key("title").String(w.title).Key("data_source").String(w.data_source);
  out.Key("query").BeginObject().Key("metric").String(w.query.metric);
  if (!w.query.period.empty()) out.Key("period").String(w.query.period);
  if (!w.query.from.empty()) out.Key("from").String(w.query.from);
  if (!w.query.to.empty()) out.Key("to").String(w.query.to);
  if (!w.query.granularity.empty()) out.Key("granularity").String(w.query.granularity);
  if (w.query.limit != 0) out.Key("limit").Int(w.query.limit);
  out.EndObject();
  out.Key("refresh_interval").Int(w.refresh_interval);
  if (!w.chart_type.empty()) out.Key("chart_type").String(w.chart_type);
  out.Key("grid").BeginObject().Key("x").Int(w.grid.x).Key("y").Int(w.grid.y);
  out.Key("w").Int(w.grid.w).Key("h").Int(w.grid.h).EndObject();
  out.Key("created_at_us").Int(w.created_at_micros).Key("updated_at_us").Int(w.updated_at_micros);
  out.Key("version").Int(w.version).EndObject();
}

int ToInt(int64_t v) {
  return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : static_cast<int>(v);
}

bool ReadWidget(const json::value& v, Widget* w, PayloadReader* outer) {
  if (!v.is_object()) return outer->Fail("dashboard.widgets", "holds a non-object"), false;
  PayloadReader r(v.as_object(), kWhat);
  w->id = r.Str("id");
  w->type = r.Str("type");
  w->title = r.Str("title");
  w->data_source = r.Str("data_source");
  w->refresh_interval = ToInt(r.Int("refresh_interval"));
  w->chart_type = r.Str("chart_type", false);
  w->created_at_micros = r.Int("created_at_us");
  w->updated_at_micros = r.Int("updated_at_us");
  w->version = r.Int("version");
  const json::value* q = v.as_object().if_contains("query");
  const json::value* g = v.as_object().if_contains("grid");
  if (q == nullptr || !q->is_object()) r.Fail("query", "is not an object");
  if (g == nullptr || !g->is_object()) r.Fail("grid", "is not an object");
  if (!r.status().ok()) return outer->Fail("dashboard.widgets", std::string(r.status().message())), false;
  PayloadReader qr(q->as_object(), kWhat);
  w->query.metric = qr.Str("metric");
  w->query.period = qr.Str("period", false);
  w->query.from = qr.Str("from", false);
  w->query.to = qr.Str("to", false);
  w->query.granularity = qr.Str("granularity", false);
  w->query.limit = ToInt(qr.Int("limit", false));
  PayloadReader gr(g->as_object(), kWhat);
  w->grid = {ToInt(gr.Int("x")), ToInt(gr.Int("y")), ToInt(gr.Int("w")), ToInt(gr.Int("h"))};
  for (const PayloadReader* sub : {&qr, &gr}) {
    if (!sub->status().ok()) return outer->Fail("dashboard.widgets", std::string(sub->status().message())), false;
  }
  return true;
}

absl::StatusOr<Dashboard> ReadDashboard(const json::value& v) {
  if (!v.is_object()) return Bad("payload.dashboard is not an object");
  PayloadReader r(v.as_object(), kWhat);
  Dashboard d;
  d.id = r.Str("id");
  d.organization_id = r.Str("organization_id");
  d.name = r.Str("name");
  d.owner = r.Str("owner");
  d.shared_users = r.Strings("shared_users");
  d.shared_roles = r.Strings("shared_roles");
  d.deleted_widgets = r.Strings("deleted_widgets", false);
  d.created_at_micros = r.Int("created_at_us");
  d.updated_at_micros = r.Int("updated_at_us");
  d.version = r.Int("version");
  const json::value* widgets = v.as_object().if_contains("widgets");
  if (widgets == nullptr || !widgets->is_array()) {
    r.Fail("widgets", "is not an array");
  } else {
    for (const json::value& e : widgets->as_array()) {
      Widget w;
      if (!ReadWidget(e, &w, &r)) break;
      d.widgets.push_back(std::move(w));
    }
  }
  if (!r.status().ok()) return r.status();
  return d;
}

}  // namespace

const Widget* Dashboard::FindWidget(std::string_view widget_id) const {
  for (const Widget& w : widgets) {
    if (w.id == widget_id) return &w;
  }
  return nullptr;
}

Widget* Dashboard::FindWidget(std::string_view widget_id) {
  for (Widget& w : widgets) {
    if (w.id == widget_id) return &w;
  }
  return nullptr;
}

void WriteDashboard(const Dashboard& d, JsonBuilder& out) {
  out.BeginObject().Key("id").String(d.id).Key("organization_id").String(d.organization_id);
  out.Key("name").String(d.name).Key("owner").String(d.owner);
  out.Key("shared_users");
  WriteStrings(d.shared_users, out);
  out.Key("shared_roles");
  WriteStrings(d.shared_roles, out);
  out.Key("widgets").BeginArray();
  for (const Widget& w : d.widgets) WriteWidget(w, out);
  out.EndArray();
  out.Key("deleted_widgets");
  WriteStrings(d.deleted_widgets, out);
  out.Key("created_at_us").Int(d.created_at_micros).Key("updated_at_us").Int(d.updated_at_micros);
  out.Key("version").Int(d.version).EndObject();
}

absl::StatusOr<Dashboard> DecodeDashboard(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Bad("invalid JSON (" + ec.message() + ")");
  return ReadDashboard(v);
}

std::string EncodeDashboardSaved(const Dashboard& d, int64_t expected_version,
                                 std::string_view event_id, int64_t ts) {
  return EncodeOwnEvent(OwnEventHeader{.event_id = event_id,
                                       .event_type = kDashboardSavedType,
                                       .organization_id = d.organization_id,
                                       .timestamp_micros = ts,
                                       .entity_id = d.id,
                                       .entity_type = "dashboard",
                                       .action = "saved"},
                        [&](JsonBuilder& b) {
                          b.Key("expected_version").Int(expected_version).Key("dashboard");
                          WriteDashboard(d, b);
                        });
}

std::string EncodeDashboardDeleted(std::string_view org, std::string_view dashboard_id,
                                   int64_t expected_version, std::string_view event_id,
                                   int64_t ts) {
  return EncodeOwnEvent(OwnEventHeader{.event_id = event_id,
                                       .event_type = kDashboardDeletedType,
                                       .organization_id = org,
                                       .timestamp_micros = ts,
                                       .entity_id = dashboard_id,
                                       .entity_type = "dashboard",
                                       .action = "deleted"},
                        [&](JsonBuilder& b) {
                          b.Key("expected_version").Int(expected_version);
                          b.Key("id").String(dashboard_id);
                        });
}

absl::StatusOr<DashboardEvent> DecodeDashboardEvent(std::string_view event_json) {
  boost::system::error_code ec;
  json::value v = json::parse(event_json, ec);
  if (ec) return Bad("invalid JSON (" + ec.message() + ")");
  if (!v.is_object()) return Bad("not a JSON object");
  PayloadReader envelope(v.as_object(), kWhat);
  std::string type = envelope.Str("event_type");
  std::string org = envelope.Str("organization_id");
  std::string event_id = envelope.Str("event_id");
  if (!envelope.status().ok()) return envelope.status();
  const json::value* payload = v.find_pointer("/data/payload", ec);
  if (payload == nullptr || !payload->is_object()) return Bad("no data.payload object");
  PayloadReader p(payload->as_object(), kWhat);
  int64_t expected = p.Int("expected_version");
  if (type == kDashboardSavedType) {
    const json::value* d = payload->as_object().if_contains("dashboard");
    if (d == nullptr) return Bad("payload.dashboard is missing");
    absl::StatusOr<Dashboard> dashboard = ReadDashboard(*d);
    if (!dashboard.ok()) return dashboard.status();
    if (!p.status().ok()) return p.status();
    if (dashboard->organization_id != org) return Bad("payload.dashboard is another organization's");
    return DashboardSaved{*std::move(dashboard), expected, event_id};
  }
  if (type == kDashboardDeletedType) {
    std::string id = p.Str("id");
    if (!p.status().ok()) return p.status();
    return DashboardDeleted{org, id, expected, event_id};
  }
  return Bad("event_type '" + type + "' is not a dashboard event");
}

}  // namespace readside::own_state
