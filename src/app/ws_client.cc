// Boost.Beast adapter for WebSocketClient. Every operation is asynchronous and driven by
// running the io_context until it completed or its deadline passed, so one pending read can
// outlive a Read call that timed out and deliver its message to the next one.

#include "app/ws_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <deque>
#include <optional>

namespace readside::app {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kAbnormalClosure = 1006;  // RFC 6455 7.4.1: no close frame was received

// "HTTP 401: token expired" from a refused upgrade (problem+json detail when there is one).
absl::Status RefusedHandshake(const http::response<http::string_body>& res) {
  int status = static_cast<int>(res.result_int());
  std::string detail = res.body().substr(0, 300);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(res.body(), ec);
  if (!ec && v.is_object()) {
    if (const boost::json::value* d = v.as_object().if_contains("detail"); d && d->is_string()) {
      detail = std::string(d->as_string());
    }
  }
  std::string message = "HTTP " + std::to_string(status) + ": " + detail;
  switch (status) {
    case 401:
      return absl::UnauthenticatedError(message);
    case 403:
      return absl::PermissionDeniedError(message);
    case 404:
      return absl::NotFoundError(message);
    case 429:
      return absl::ResourceExhaustedError(message);
    default:
      return status >= 500 ? absl::UnavailableError(message)
                           : absl::FailedPreconditionError(message);
  }
}

}  // namespace

struct WebSocketClient::Impl {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  const std::atomic<bool>* cancel = nullptr;
  bool reading = false;
  std::deque<WsEvent> ready;      // completed by the pending read, not yet returned
  std::optional<WsEvent> closed;  // once set, the connection is over

  bool Cancelled() const { return cancel != nullptr && cancel->load(); }

  // Runs handlers until `done()` or the deadline (or cancellation, unless the caller is
  // shutting the connection down anyway). Returns done().
  template <typename Done>
  bool RunUntil(Clock::time_point deadline, Done done, bool cancellable = true) {
    while (!done() && !(cancellable && Cancelled())) {
      auto now = Clock::now();
      if (now >= deadline) break;
      if (ioc.stopped()) ioc.restart();
      ioc.run_one_for(std::min<Clock::duration>(deadline - now, std::chrono::milliseconds(100)));
    }
    return done();
  }

  void StartRead() {
    reading = true;
    ws.async_read(buffer, [this](beast::error_code ec, size_t) {
      reading = false;
      if (ec) {
        WsEvent e{.kind = WsEvent::Kind::kClosed};
        if (ec == websocket::error::closed) {
          e.close_code = ws.reason().code;
          e.reason = std::string(ws.reason().reason.c_str());
        } else {
          e.close_code = kAbnormalClosure;
          e.reason = ec == beast::error::timeout ? "no answer from the server" : ec.message();
        }
        closed = e;
        return;
      }
      ready.push_back(WsEvent{.kind = WsEvent::Kind::kMessage,
                              .text = beast::buffers_to_string(buffer.data())});
      buffer.consume(buffer.size());
    });
  }
};

WebSocketClient::WebSocketClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebSocketClient::~WebSocketClient() {
  beast::error_code ignored;
  impl_->ws.next_layer().socket().close(ignored);
}

absl::StatusOr<std::unique_ptr<WebSocketClient>> WebSocketClient::Connect(
    const WsConnectOptions& o) {
  auto impl = std::make_unique<Impl>();
  impl->cancel = o.cancel;
  auto deadline = Clock::now() + o.timeout;
  std::string where = o.host + ":" + o.port;

  beast::error_code ec;
  bool done = false;
  tcp::resolver resolver(impl->ioc);
  tcp::resolver::results_type endpoints;
  resolver.async_resolve(o.host, o.port, [&](beast::error_code e, tcp::resolver::results_type r) {
    ec = e, endpoints = std::move(r), done = true;
  });
  auto finished = [&] { return done; };
  auto give_up = [&](const std::string& what) -> absl::Status {
    if (impl->Cancelled()) return absl::CancelledError("cancelled");
    if (!done) return absl::DeadlineExceededError(what + ": timed out");
    return absl::UnavailableError(what + ": " + ec.message());
  };
  if (!impl->RunUntil(deadline, finished) || ec) return give_up("cannot resolve " + o.host);

  done = false;
  beast::get_lowest_layer(impl->ws).expires_at(deadline);
  beast::get_lowest_layer(impl->ws).async_connect(
      endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e, done = true; });
  if (!impl->RunUntil(deadline, finished) || ec) return give_up("cannot connect to " + where);

  // Beast's own timeouts replace the stream's once the WebSocket layer runs.
  beast::get_lowest_layer(impl->ws).expires_never();
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  impl->ws.set_option(websocket::stream_base::timeout{
      .handshake_timeout = std::max(left, std::chrono::milliseconds(1)),
      .idle_timeout = o.idle_timeout,
      .keep_alive_pings = true});
  impl->ws.set_option(
      websocket::stream_base::decorator([headers = o.headers](websocket::request_type& req) {
        req.set(http::field::user_agent, "readside-watch");
        for (const auto& [name, value] : headers) req.set(name, value);
      }));
  impl->ws.read_message_max(16 << 20);

  done = false;
  websocket::response_type res;
  impl->ws.async_handshake(res, where, o.target, [&](beast::error_code e) { ec = e, done = true; });
  if (!impl->RunUntil(deadline, finished)) return give_up("no handshake answer from " + where);
  if (ec == websocket::error::upgrade_declined) return RefusedHandshake(res);
  if (ec) return give_up("handshake with " + where);
  return std::unique_ptr<WebSocketClient>(new WebSocketClient(std::move(impl)));
}

absl::Status WebSocketClient::Send(std::string_view text) {
  if (impl_->closed) return absl::UnavailableError("connection closed: " + impl_->closed->reason);
  beast::error_code ec;
  bool done = false;
  impl_->ws.text(true);
  impl_->ws.async_write(net::buffer(text.data(), text.size()),
                        [&](beast::error_code e, size_t) { ec = e, done = true; });
  if (!impl_->RunUntil(Clock::now() + std::chrono::seconds(10), [&] { return done; })) {
    // The write cannot be abandoned half-way: the connection is unusable now.
    beast::error_code ignored;
    impl_->ws.next_layer().socket().close(ignored);
    impl_->RunUntil(
        Clock::now() + std::chrono::seconds(1), [&] { return done; }, false);
    if (!impl_->closed) {
      impl_->closed = WsEvent{.kind = WsEvent::Kind::kClosed,
                              .close_code = kAbnormalClosure,
                              .reason = "send timed out"};
    }
    return absl::UnavailableError("send timed out");
  }
  if (ec) return absl::UnavailableError("send: " + ec.message());
  return absl::OkStatus();
}

WsEvent WebSocketClient::Read(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  auto have = [&] { return !impl_->ready.empty() || impl_->closed.has_value(); };
  if (!have() && !impl_->reading) impl_->StartRead();
  impl_->RunUntil(deadline, have);
  if (!impl_->ready.empty()) {
    WsEvent e = std::move(impl_->ready.front());
    impl_->ready.pop_front();
    return e;
  }
  if (impl_->closed) return *impl_->closed;
  return WsEvent{.kind = WsEvent::Kind::kTimeout};
}

void WebSocketClient::Close(int code, std::string_view reason) {
  if (impl_->closed) return;
  bool done = false;
  impl_->ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(code),
                                                beast::string_view(reason.data(), reason.size())),
                        [&](beast::error_code) { done = true; });
  // A pending read completes with the peer's close frame.
  impl_->RunUntil(
      Clock::now() + std::chrono::seconds(1), [&] { return done; }, false);
  // What is still pending completes (aborted) now: no handler may outlive `done`.
  beast::error_code ignored;
  impl_->ws.next_layer().socket().close(ignored);
  impl_->RunUntil(
      Clock::now() + std::chrono::seconds(1), [&] { return done && !impl_->reading; }, false);
  if (!impl_->closed) {
    impl_->closed =
        WsEvent{.kind = WsEvent::Kind::kClosed, .close_code = code, .reason = std::string(reason)};
  }
}

}  // namespace readside::app
