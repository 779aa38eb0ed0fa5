#include "live/protocol.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <optional>

#include "common/json_writer.h"
#include "live/socket.h"

namespace readside::live {
namespace {

namespace json = boost::json;

Refusal Bad(std::string reason) { return {kCloseBadRequest, std::move(reason)}; }

const char* KindName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
    default: return "a number";
  }
}

// A string member: absent → "" unless required.
std::optional<Refusal> StringMember(const json::object& o, std::string_view name, bool required,
                                    size_t max_bytes, std::string* out) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) {
    if (required) return Bad(std::string(name) + ": is required");
    return std::nullopt;
  }
  if (!v->is_string()) {
    return Bad(std::string(name) + ": must be a string, not " + KindName(*v));
  }
  const json::string& s = v->get_string();
  if (s.empty()) return Bad(std::string(name) + ": must not be empty");
  if (s.size() > max_bytes) {
    return Bad(std::string(name) + ": must be at most " + std::to_string(max_bytes) + " bytes");
  }
  out->assign(s.data(), s.size());
  return std::nullopt;
}

std::optional<Refusal> OnlyMembers(const json::object& o,
                                   std::initializer_list<std::string_view> allowed,
                                   std::string_view type) {
  for (const auto& [key, _] : o) {
    bool known = false;
    for (std::string_view a : allowed) known |= key == a;
    if (!known) {
      return Bad(std::string(key.substr(0, 40)) + ": unknown member of a " + std::string(type) +
                 " message");
    }
  }
  return std::nullopt;
}

bool KnownDomain(std::string_view d) {
  return d == "crm" || d == "hrm" || d == "finance" || d == "inventory" || d == "projects" ||
         d == "cross";
}

}  // namespace

std::string CloseReason(std::string_view reason) {
  constexpr size_t kMax = 123;
  if (reason.size() <= kMax) return std::string(reason);
  size_t end = kMax;
  // Back up over continuation bytes (10xxxxxx) so a character is never cut.
  while (end > 0 && (static_cast<unsigned char>(reason[end]) & 0xC0) == 0x80) --end;
  return std::string(reason.substr(0, end));
}

std::variant<ClientMessage, Refusal> ParseClientMessage(std::string_view text,
                                                        Endpoint endpoint) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 8;
  json::value v = json::parse(text, ec, {}, options);
  if (ec) return Bad("malformed JSON: " + ec.message());
  if (!v.is_object()) return Bad(std::string("a message must be a JSON object, not ") + KindName(v));
  const json::object& o = v.get_object();
  ClientMessage m;
  std::string type;
  if (auto r = StringMember(o, "type", true, 32, &type)) return *r;
  if (type == "ping") {
    m.type = ClientMessage::kPing;
    if (auto r = OnlyMembers(o, {"type"}, "ping")) return *r;
    return m;
  }
  if (type == "auth") {
    m.type = ClientMessage::kAuth;
    if (auto r = OnlyMembers(o, {"type", "token"}, "auth")) return *r;
    if (auto r = StringMember(o, "token", true, kMaxTokenBytes, &m.token)) return *r;
    return m;
  }
  if (type != "subscribe" && type != "unsubscribe") {
    return Bad("type: unknown message type '" + type.substr(0, 32) +
               "' (auth, subscribe, unsubscribe, ping)");
  }
  m.type = type == "subscribe" ? ClientMessage::kSubscribe : ClientMessage::kUnsubscribe;
  if (endpoint == Endpoint::kAnalytics) {
    if (auto r = OnlyMembers(o, {"type", "domain", "period"}, type)) return *r;
    if (auto r = StringMember(o, "domain", true, 32, &m.domain)) return *r;
    if (!KnownDomain(m.domain)) {
      return Bad("domain: must be one of crm, hrm, finance, inventory, projects, cross");
    }
    if (auto r = StringMember(o, "period", false, 32, &m.period)) return *r;
    return m;
  }
  if (auto r = OnlyMembers(o, {"type", "widgets", "dashboard_id"}, type)) return *r;
  const json::value* widgets = o.if_contains("widgets");
  if (widgets == nullptr) return Bad("widgets: is required (an array of widget ids)");
  if (!widgets->is_array()) {
    return Bad(std::string("widgets: must be an array of widget ids, not ") + KindName(*widgets));
  }
  const json::array& ids = widgets->get_array();
  if (ids.empty()) return Bad("widgets: must not be empty");
  if (ids.size() > kMaxWidgetsPerMessage) {
    return Bad("widgets: at most " + std::to_string(kMaxWidgetsPerMessage) + " per message");
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    const json::value& id = ids[i];
    std::string field = "widgets[" + std::to_string(i) + "]";
    if (!id.is_string() || id.get_string().empty() || id.get_string().size() > kMaxIdBytes) {
      return Bad(field + ": must be a widget id (a string of 1 to " +
                 std::to_string(kMaxIdBytes) + " bytes)");
    }
    m.widgets.emplace_back(id.get_string().data(), id.get_string().size());
  }
  if (auto r = StringMember(o, "dashboard_id", false, kMaxIdBytes, &m.dashboard_id)) return *r;
  return m;
}

std::string ReadyMessage(std::string_view organization_id, int64_t expires_at, uint64_t position,
                         size_t max_subscriptions) {
  JsonBuilder j;
  j.BeginObject().Key("type").String("ready").Key("organization_id").String(organization_id);
  j.Key("expires_at").Int(expires_at).Key("position").Int(static_cast<int64_t>(position));
  j.Key("max_subscriptions").Int(static_cast<int64_t>(max_subscriptions)).EndObject();
  return j.Take();
}

std::string PongMessage(uint64_t position) {
  JsonBuilder j;
  j.BeginObject().Key("type").String("pong").Key("position").Int(static_cast<int64_t>(position));
  j.EndObject();
  return j.Take();
}

std::string ErrorMessage(const Problem& problem, std::string_view about) {
  JsonBuilder j;
  j.BeginObject().Key("type").String("error").Key("status").Int(problem.status);
  j.Key("title").String(problem.title).Key("detail").String(problem.detail);
  std::string out = j.Take();
  if (!about.empty()) {
    out += ',';
    out += about;
  }
  out += '}';
  return out;
}

namespace {
std::string Members(JsonBuilder& j) {
  std::string s = j.EndObject().Take();
  return s.substr(1, s.size() - 2);
}
}  // namespace

std::string AboutSubscription(std::string_view domain, std::string_view period) {
  JsonBuilder j;
  j.BeginObject().Key("domain").String(domain);
  if (!period.empty()) j.Key("period").String(period);
  return Members(j);
}

std::string AboutWidget(std::string_view widget_id, std::string_view dashboard_id) {
  JsonBuilder j;
  j.BeginObject().Key("widget_id").String(widget_id);
  if (!dashboard_id.empty()) j.Key("dashboard_id").String(dashboard_id);
  return Members(j);
}

}  // namespace readside::live
