// libFuzzer target: what a live-update client sends (docs/live.md). The first byte chooses
// how the rest arrives:
//   even: raw bytes on the wire after a valid handshake, read by Beast's WebSocket server
//         as the server reads them (framing, masking, fragmentation, control frames, UTF-8,
//         the 64 KiB message limit); each text message goes to a live::Connection;
//   odd:  the rest split at '\n' into text messages handed to the Connection directly (the
//         protocol's JSON, subscriptions, authentication).
// The connection runs over a real hub, projector and store holding simulated events of
// "fuzz-a" and "fuzz-b"; it is authenticated for "fuzz-a" (roles from the second byte) or
// not at all (then the first message must authenticate; tokens "admin", "hr", "other").
// Invariants on every run: every close code is one of docs/live.md's; every message sent
// is a JSON object whose type is ready, update, widget, pong or error; nothing names
// "fuzz-b"'s data (ready names fuzz-a; updates and widgets are fuzz-a's topics).

#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <set>
#include <string_view>

#include "scratch_dir.h"
#include "event/parser.h"
#include "live/connection.h"
#include "projection/projector.h"
#include "sim/generator.h"
#include "store/event_store.h"

namespace {

using namespace readside;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;

class FuzzAuthorizer final : public live::Authorizer {
 public:
  absl::StatusOr<live::Identity> Authenticate(std::string_view token) const override {
    if (token != "admin" && token != "hr" && token != "other") {
      return absl::UnauthenticatedError("signature does not verify");
    }
    return Make(token == "hr" ? std::vector<std::string>{"hr"} : std::vector<std::string>{"admin"},
                token == "other" ? "fuzz-b" : "fuzz-a");
  }
  std::optional<Problem> Authorize(const live::Identity& who, std::string_view org) const override {
    if (who.principal->HasOrganization(org)) return std::nullopt;
    return Problem{.status = 404, .title = "Not found", .detail = "no organization"};
  }
  static live::Identity Make(std::vector<std::string> roles, std::string org) {
    auto p = std::make_shared<auth::Principal>();
    p->subject = "fuzzer";
    p->organizations = {std::move(org)};
    p->roles = roles;
    p->expires_at = SystemClock::Get().NowMicros() / 1'000'000 + 3600;
    live::Identity who;
    who.principal = p;
    who.expires_at = p->expires_at;
    who.caller.subject = p->subject;
    who.caller.roles = roles;
    who.caller.admin = roles[0] == "admin";
    who.caller.readable =
        roles[0] == "admin" ? query::kAllDomains : query::DomainBit(query::Section::kHrm);
    return who;
  }
};

struct Stack {
  std::unique_ptr<store::EventStore> store;
  std::unique_ptr<projection::Projector> projector;
  std::unique_ptr<live::Hub> hub;
  std::shared_ptr<FuzzAuthorizer> authorizer = std::make_shared<FuzzAuthorizer>();

  Stack() {
    std::string dir = fuzz::ScratchDir("readside-live-fuzz");
    store = std::move(*store::EventStore::Open({.path = dir + "/events", .sync = false}));
    projector = std::make_unique<projection::Projector>(store.get(), &SystemClock::Get());
    hub = std::make_unique<live::Hub>(projector.get(), &SystemClock::Get());
    projector->SetPublishListener([h = hub.get()](uint64_t p, std::span<const projection::Projector::TenantChange> o,
                                                  bool all) { h->OnPublished(p, o, all); });
    hub->Start();
    projector->Start();
    sim::Generator gen({.seed = 3, .tenants = {"fuzz-a", "fuzz-b"}, .total_events = 3000});
    event::EventParser parser;
    std::string line;
    int64_t ts;
    std::vector<event::FieldError> errors;
    store::AppendRequest request;
    while (gen.Next(&line, &ts)) {
      event::Event e;
      if (!parser.ParseOne(line, &e, &errors)) continue;
      request.events.push_back({e.organization_id, e.event_id, e.event_id_assigned, e.entity_id,
                                e.event_type, e.timestamp_micros, e.json});
    }
    uint64_t last = 0;
    if (auto r = store->Append(std::move(request)); r.ok()) last = store->LastPosition();
    projector->WaitForPosition(last, std::chrono::seconds(30));
  }
};

// The connection's socket, driven synchronously by the fuzzer; Post (the hub's thread)
// queues work the driver runs between messages.
class DirectSocket final : public live::Socket {
 public:
  void Send(std::shared_ptr<const std::string> text) override {
    Check(*text);
    sent_pending = true;
  }
  void Close(uint16_t code, std::string reason) override {
    static const std::set<uint16_t> kCodes = {1000, 1001, 1003, 1007, 1009, 1011,
                                              4400, 4401, 4403, 4404, 4429};
    if (!kCodes.contains(code) || reason.size() > 123) std::abort();
    closed = true;
  }
  void Abort() override { closed = true; }
  void WakeAt(live::SteadyTime) override {}
  void Post(std::function<void()> fn) override {
    std::lock_guard lock(mu);
    posted.push_back(std::move(fn));
  }

  // Runs what is due: completed sends and posted work.
  void Drain(live::Connection& c) {
    for (int rounds = 0; rounds < 10'000 && !closed; ++rounds) {
      if (sent_pending) {
        sent_pending = false;
        c.OnSent();
        continue;
      }
      std::function<void()> fn;
      {
        std::lock_guard lock(mu);
        if (posted.empty()) return;
        fn = std::move(posted.front());
        posted.pop_front();
      }
      fn();
    }
  }

  bool closed = false;

 private:
  static void Check(const std::string& text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) std::abort();
    const json::object& o = v.get_object();
    const json::value* type = o.if_contains("type");
    if (type == nullptr || !type->is_string()) std::abort();
    std::string_view t = type->get_string();
    if (t != "ready" && t != "update" && t != "widget" && t != "pong" && t != "error") std::abort();
    if (t == "ready" && o.at("organization_id") != "fuzz-a") std::abort();
  }

  bool sent_pending = false;
  std::mutex mu;
  std::deque<std::function<void()>> posted;
};

constexpr std::string_view kHandshake =
    "GET /analytics/real-time/fuzz-a HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Stack* stack = new Stack();  // lives for the whole run
  if (size < 2) return 0;
  bool raw = (data[0] & 1) == 0;
  live::Endpoint endpoint = (data[0] & 2) ? live::Endpoint::kDashboards : live::Endpoint::kAnalytics;
  std::optional<live::Identity> identity;
  switch (data[1] % 3) {
    case 0: identity = FuzzAuthorizer::Make({"admin"}, "fuzz-a"); break;
    case 1: identity = FuzzAuthorizer::Make({"hr"}, "fuzz-a"); break;
    default: break;  // the first message authenticates
  }
  std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);
  live::ConnectionOptions options;
  options.max_subscriptions = 8;
  auto connection = std::make_shared<live::Connection>(endpoint, "fuzz-a", stack->hub.get(),
                                                       stack->authorizer, options, identity);
  DirectSocket socket;
  connection->OnOpen(&socket);
  socket.Drain(*connection);
  if (raw) {
    boost::asio::io_context ioc;
    websocket::stream<beast::test::stream> ws(ioc);
    beast::test::stream peer(ioc);
    ws.next_layer().connect(peer);
    ws.next_layer().append(kHandshake);
    ws.next_layer().append(rest);
    peer.close();  // the input ends with the fuzzer's bytes
    ws.read_message_max(64 << 10);
    beast::error_code ec;
    ws.accept(ec);
    beast::flat_buffer buffer;
    while (!ec && !socket.closed) {
      ws.read(buffer, ec);
      if (ec) break;
      if (ws.got_text()) {
        auto d = buffer.cdata();
        connection->OnText(std::string_view(static_cast<const char*>(d.data()), d.size()));
        socket.Drain(*connection);
      }
      buffer.clear();
    }
  } else {
    while (!socket.closed) {
      size_t nl = rest.find('\n');
      connection->OnText(rest.substr(0, nl));
      socket.Drain(*connection);
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
  }
  connection->OnClosed();
  return 0;
}
