// The live protocol's parser: every message of docs/live.md is read as written, and every
// refusal names the member and the rule.

#include "live/protocol.h"

#include "gtest/gtest.h"
#include "live/socket.h"

namespace readside::live {
namespace {

ClientMessage Ok(std::string_view text, Endpoint e = Endpoint::kAnalytics) {
  auto r = ParseClientMessage(text, e);
  EXPECT_TRUE(std::holds_alternative<ClientMessage>(r))
      << text << " → " << std::get<Refusal>(r).reason;
  return std::holds_alternative<ClientMessage>(r) ? std::get<ClientMessage>(r) : ClientMessage{};
}

Refusal Bad(std::string_view text, Endpoint e = Endpoint::kAnalytics) {
  auto r = ParseClientMessage(text, e);
  EXPECT_TRUE(std::holds_alternative<Refusal>(r)) << text;
  return std::holds_alternative<Refusal>(r) ? std::get<Refusal>(r) : Refusal{};
}

TEST(ProtocolTest, ReadsTheMessagesOfTheSpec) {
  ClientMessage m = Ok(R"({"type":"subscribe","domain":"crm","period":"2024-01"})");
  EXPECT_EQ(m.type, ClientMessage::kSubscribe);
  EXPECT_EQ(m.domain, "crm");
  EXPECT_EQ(m.period, "2024-01");
  m = Ok(R"({"type":"unsubscribe","domain":"cross"})");
  EXPECT_EQ(m.type, ClientMessage::kUnsubscribe);
  EXPECT_EQ(m.period, "");
  m = Ok(R"({"type":"subscribe","widgets":["w1","w2"]})", Endpoint::kDashboards);
  EXPECT_EQ(m.widgets, (std::vector<std::string>{"w1", "w2"}));
  EXPECT_EQ(m.dashboard_id, "");
  m = Ok(R"({"type":"subscribe","widgets":["w1"],"dashboard_id":"d-1"})", Endpoint::kDashboards);
  EXPECT_EQ(m.dashboard_id, "d-1");
  EXPECT_EQ(Ok(R"({"type":"ping"})").type, ClientMessage::kPing);
  m = Ok(R"({"type":"auth","token":"a.b.c"})", Endpoint::kDashboards);
  EXPECT_EQ(m.type, ClientMessage::kAuth);
  EXPECT_EQ(m.token, "a.b.c");
  // Member order and white space do not matter.
  EXPECT_EQ(Ok(" {\"period\" : \"2024\", \"domain\":\"hrm\", \"type\":\"subscribe\"} ").domain, "hrm");
}

TEST(ProtocolTest, RefusalsNameTheMemberAndTheRule) {
  struct Case {
    std::string_view text;
    Endpoint endpoint;
    std::string_view reason;
  };
  const Case cases[] = {
      {"{", Endpoint::kAnalytics, "malformed JSON"},
      {"", Endpoint::kAnalytics, "malformed JSON"},
      {"[1]", Endpoint::kAnalytics, "a message must be a JSON object, not an array"},
      {R"({"domain":"crm"})", Endpoint::kAnalytics, "type: is required"},
      {R"({"type":7})", Endpoint::kAnalytics, "type: must be a string, not a number"},
      {R"({"type":"hello"})", Endpoint::kAnalytics, "type: unknown message type 'hello'"},
      {R"({"type":"subscribe"})", Endpoint::kAnalytics, "domain: is required"},
      {R"({"type":"subscribe","domain":"sales"})", Endpoint::kAnalytics,
       "domain: must be one of crm, hrm, finance, inventory, projects, cross"},
      {R"({"type":"subscribe","domain":"crm","period":2024})", Endpoint::kAnalytics,
       "period: must be a string, not a number"},
      {R"({"type":"subscribe","domain":"crm","period":""})", Endpoint::kAnalytics,
       "period: must not be empty"},
      {R"({"type":"subscribe","domain":"crm","widgets":["w"]})", Endpoint::kAnalytics,
       "widgets: unknown member of a subscribe message"},
      {R"({"type":"subscribe","domain":"crm"})", Endpoint::kDashboards,
       "domain: unknown member of a subscribe message"},
      {R"({"type":"subscribe"})", Endpoint::kDashboards, "widgets: is required"},
      {R"({"type":"subscribe","widgets":"w1"})", Endpoint::kDashboards,
       "widgets: must be an array of widget ids, not a string"},
      {R"({"type":"subscribe","widgets":[]})", Endpoint::kDashboards, "widgets: must not be empty"},
      {R"({"type":"subscribe","widgets":["a",3]})", Endpoint::kDashboards,
       "widgets[1]: must be a widget id"},
      {R"({"type":"auth"})", Endpoint::kAnalytics, "token: is required"},
      {R"({"type":"ping","x":1})", Endpoint::kAnalytics, "x: unknown member of a ping message"},
  };
  for (const Case& c : cases) {
    Refusal r = Bad(c.text, c.endpoint);
    EXPECT_EQ(r.code, kCloseBadRequest) << c.text;
    EXPECT_TRUE(r.reason.starts_with(c.reason)) << c.text << " → " << r.reason;
  }
  std::string many = R"({"type":"subscribe","widgets":[)";
  for (int i = 0; i < 65; ++i) many += (i ? ",\"w" : "\"w") + std::to_string(i) + "\"";
  many += "]}";
  EXPECT_EQ(Bad(many, Endpoint::kDashboards).reason, "widgets: at most 64 per message");
  std::string deep(100, '[');
  EXPECT_TRUE(Bad(deep).reason.starts_with("malformed JSON"));
}

TEST(ProtocolTest, CloseReasonsFitAFrameAndNeverCutACharacter) {
  EXPECT_EQ(CloseReason("short"), "short");
  std::string ascii(200, 'a');
  EXPECT_EQ(CloseReason(ascii).size(), 123u);
  std::string text(122, 'a');
  text += "é and more";  // é is two bytes: bytes 122 and 123
  std::string cut = CloseReason(text);
  EXPECT_EQ(cut, std::string(122, 'a'));
}

TEST(ProtocolTest, ServerMessagesAreJson) {
  EXPECT_EQ(ReadyMessage("acme", 99, 7, 64),
            R"({"type":"ready","organization_id":"acme","expires_at":99,"position":7,"max_subscriptions":64})");
  EXPECT_EQ(PongMessage(12), R"({"type":"pong","position":12})");
  EXPECT_EQ(ErrorMessage({.status = 403, .title = "Forbidden", .detail = "no \"hrm\""},
                         AboutSubscription("hrm", "2024-01")),
            R"({"type":"error","status":403,"title":"Forbidden","detail":"no \"hrm\"","domain":"hrm","period":"2024-01"})");
  EXPECT_EQ(ErrorMessage({.status = 404, .title = "Not found", .detail = "x"}, AboutWidget("w", "")),
            R"({"type":"error","status":404,"title":"Not found","detail":"x","widget_id":"w"})");
}

}  // namespace
}  // namespace readside::live
