// Boost.Beast adapter for the HTTP server.

#include "http/server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/url/parse.hpp>

#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include <pthread.h>
#include <sys/resource.h>
#include <random>
#include <set>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace readside::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// What the server asks of every open connection (HTTP or WebSocket) when it drains.
class Conn {
 public:
  virtual ~Conn() = default;
  // Graceful shutdown: an idle HTTP connection closes; a WebSocket closes with 1001.
  virtual void Drain() = 0;
};

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  RequestObserver observer;
  // The acceptor, signals and drain run on `ioc`; connections are spread over `workers`, one
  // io_context per thread (no locks inside Asio, no cross-thread wake-ups per request).
  // `workers` is declared first so that it is destroyed last: a pending accept on `ioc` owns
  // a socket of a worker context, released when `ioc` is destroyed.
  std::vector<std::unique_ptr<net::io_context>> workers;
  net::io_context ioc{1};
  std::atomic<size_t> next_worker{0};
  tcp::acceptor acceptor{ioc};
  net::steady_timer accept_retry{ioc};
  net::signal_set signals{ioc};
  std::atomic<bool> draining{false};
  std::atomic<size_t> connections{0};  // every open connection, health-only ones included
  std::atomic<size_t> health_reserved{0};  // accepted beyond a cap, for /health/* only
  // Open connections per client address (the per-IP cap).
  absl::Mutex ip_mu;
  absl::flat_hash_map<std::string, size_t> per_ip ABSL_GUARDED_BY(ip_mu);
  std::atomic<uint64_t> request_counter{0};
  std::string NextRequestId() { return std::to_string(request_counter.fetch_add(1) + 1); }
  absl::Mutex sessions_mu;
  // Live sessions, for closing idle ones on drain.
  std::set<std::shared_ptr<Conn>> sessions ABSL_GUARDED_BY(sessions_mu);
  Server* server = nullptr;

  void Accept();
  // Takes a slot for a new connection from `ip`: false when the total or the per-address cap
  // is reached (then nothing is taken). ReleaseSlot gives it back.
  bool TakeSlot(const std::string& ip);
  void ReleaseSlot(const std::string& ip, bool health_only);
  void WaitForSignal();
  void CheckDrained();
  void StopAll();
};

namespace {

// The body's framing when a request names a Transfer-Encoding, which Beast leaves to us
// beyond "chunked is the last coding" (RFC 9112 §6.1, §6.3): a body whose length the
// front end and we could read differently is how requests are smuggled. Returns the status
// to refuse the request with (the connection is then closed) and why, or nullopt:
//  - Transfer-Encoding with Content-Length: 400 (a front end may frame by either);
//  - chunked not the final coding ("chunked, identity", "xchunked"): 400, as RFC 9112 says;
//  - another coding before chunked ("gzip, chunked"): 501, not implemented.
std::optional<std::pair<int, std::string>> CheckFraming(const bhttp::fields& fields) {
  if (fields.count(bhttp::field::transfer_encoding) == 0) return std::nullopt;
  if (fields.count(bhttp::field::content_length) > 0) {
    return std::pair{400, "Transfer-Encoding with Content-Length: the body's length is ambiguous"};
  }
  std::string value;  // every Transfer-Encoding field, in order, as one list
  for (const auto& f : fields) {
    if (f.name() == bhttp::field::transfer_encoding) value += std::string(f.value()) + ',';
  }
  std::string coding;  // each coding, lower-cased, without spaces
  std::vector<std::string> codings;
  for (char c : value) {
    if (c == ',') {
      if (!coding.empty()) codings.push_back(coding);
      coding.clear();
    } else if (c != ' ' && c != '\t') {
      coding += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (codings.empty() || codings.back() != "chunked") {
    return std::pair{400, "Transfer-Encoding must end with chunked"};
  }
  if (codings.size() > 1) {
    return std::pair{501, "only the chunked transfer coding is implemented"};
  }
  return std::nullopt;
}

// Fills `out` from a parsed message; a 400 problem when the target is not an origin-form
// URL, a query parameter is repeated (which one wins would be a guess), or an HTTP/1.1
// request has no Host (RFC 9112 §3.2).
std::optional<Problem> ToRequest(bhttp::request<bhttp::string_body>& msg, Request* out) {
  out->method = std::string(msg.method_string());
  auto parsed = boost::urls::parse_origin_form(msg.target());
  if (!parsed) return Problem{.status = 400, .title = "Bad request",
                              .detail = "malformed request target"};
  out->path = std::string(parsed->path());
  if (msg.version() >= 11 && msg.find(bhttp::field::host) == msg.end()) {
    return Problem{.status = 400, .title = "Bad request",
                   .detail = "an HTTP/1.1 request needs a Host header (RFC 9112, section 3.2)",
                   .errors = {{"Host", "required"}}};
  }
  for (auto param : parsed->params()) {
    if (!out->query.emplace(param.key, param.value).second) {
      return Problem{.status = 400, .title = "Bad request",
                     .detail = "query parameter '" + std::string(param.key) +
                               "' is given more than once",
                     .errors = {{std::string(param.key), "must be given at most once"}}};
    }
  }
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out->headers[name] = std::string(field.value());
  }
  out->body = std::move(msg.body());
  return std::nullopt;
}

// A WebSocket connection (after an accepted upgrade): reads text messages for its
// live::SocketHandler and writes what it sends, one message at a time.
class WsSession final : public Conn, public live::Socket,
                        public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(beast::tcp_stream stream, Server::Impl* server, std::string remote,
            std::shared_ptr<live::SocketHandler> handler)
      : ws_(std::move(stream)),
        timer_(ws_.get_executor()),
        drain_timer_(ws_.get_executor()),
        server_(server),
        remote_(std::move(remote)),
        handler_(std::move(handler)) {}

  void Start(bhttp::request<bhttp::string_body> req, std::string subprotocol) {
    req_ = std::move(req);
    const WebSocketOptions& o = server_->options.websocket;
    beast::get_lowest_layer(ws_).expires_never();  // the websocket's own timeouts rule now
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(
        net::socket_base::send_buffer_size(o.send_buffer_bytes), ignored);
    websocket::stream_base::timeout timeouts;
    timeouts.handshake_timeout = o.close_timeout;
    timeouts.idle_timeout = o.idle_timeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [subprotocol = std::move(subprotocol)](websocket::response_type& res) {
          res.set(bhttp::field::server, "readside");
          if (!subprotocol.empty()) res.set(bhttp::field::sec_websocket_protocol, subprotocol);
        }));
    // Read() enforces max_message_bytes itself (with a reason); Beast's limit is a backstop.
    ws_.read_message_max(o.max_message_bytes + 2 * kReadChunk);
    ws_.auto_fragment(false);
    ws_.async_accept(req_, [self = shared_from_this()](beast::error_code ec) {
      self->req_ = {};
      if (ec) return self->Finish();
      self->open_ = true;
      self->handler_->OnOpen(self.get());
      if (self->draining_) self->Close(websocket::close_code::going_away, "server shutting down");
      self->Read();
    });
  }

  void Drain() override {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->draining_ = true;
      if (!self->open_) return;
      self->Close(websocket::close_code::going_away, "server shutting down");
    });
  }

  // live::Socket
  void Send(std::shared_ptr<const std::string> text) override {
    if (closing_ || finished_) return;
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(*text), [self = shared_from_this(), text](beast::error_code ec,
                                                                         size_t) {
      self->writing_ = false;
      if (ec) return self->Teardown();
      if (self->close_pending_) return self->DoClose();
      if (!self->finished_) self->handler_->OnSent();
    });
  }
  void Close(uint16_t code, std::string reason) override {
    if (closing_ || finished_) return;
    closing_ = true;
    close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
    if (writing_) {
      close_pending_ = true;  // after the message being written
      // A client that stopped reading cannot take the close frame: it gets a second (at
      // shutdown) or the close timeout, then the socket goes.
      drain_timer_.expires_after(draining_ ? std::chrono::milliseconds(1000)
                                           : server_->options.websocket.close_timeout);
      drain_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec && self->writing_) self->Teardown();
      });
      return;
    }
    DoClose();
  }
  void Abort() override { Teardown(); }
  void WakeAt(live::SteadyTime at) override {
    timer_.expires_at(at);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && !self->finished_) self->handler_->OnTimer();
    });
  }
  void Post(std::function<void()> fn) override {
    net::post(ws_.get_executor(), [self = shared_from_this(), fn = std::move(fn)] {
      if (!self->finished_) fn();
    });
  }

 private:
  // Reads a message a part at a time, so that one over max_message_bytes is refused with
  // a reason (Beast's own limit would close with 1009 and none); the rest of such a message
  // is read and dropped until the client answers the close.
  void Read() {
    ws_.async_read_some(buffer_, kReadChunk, [self = shared_from_this()](beast::error_code ec,
                                                                       size_t) {
      if (ec) {
        // websocket::error::closed: the peer's close frame (answered by Beast); invalid
        // UTF-8: Beast has sent 1007; anything else: the connection is gone.
        if (self->closing_ && !self->finished_ && ec != websocket::error::closed &&
            ec != net::error::operation_aborted) {
          return self->Teardown();
        }
        if (!self->closing_) return self->Teardown();
        return;  // our close handshake finishes in DoClose's handler
      }
      size_t limit = self->server_->options.websocket.max_message_bytes;
      bool done = self->ws_.is_message_done();
      if (self->closing_) {
        self->buffer_.clear();
      } else if (!self->ws_.got_text()) {
        self->buffer_.clear();
        self->Close(websocket::close_code::unknown_data,
                    "binary frames are not part of the protocol: send JSON text messages");
      } else if (self->buffer_.size() > limit) {
        self->buffer_.clear();
        self->Close(websocket::close_code::too_big,
                    "a message over " + std::to_string(limit) + " bytes");
      } else if (done) {
        auto data = self->buffer_.cdata();
        self->handler_->OnText(
            std::string_view(static_cast<const char*>(data.data()), data.size()));
        self->buffer_.clear();
      }
      if (!self->finished_) self->Read();
    });
  }
  static constexpr size_t kReadChunk = 16 << 10;

  void DoClose() {
    close_pending_ = false;
    ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code) {
      self->Teardown();
    });
  }

  void Teardown() {
    if (finished_) return;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
    Finish();
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    closing_ = true;
    timer_.cancel();
    drain_timer_.cancel();
    if (open_) handler_->OnClosed();
    // Finish may run inside a handler's own call (Abort from its timer): release the handler
    // after that call has returned.
    net::post(ws_.get_executor(), [handler = std::move(handler_)] {});
    Server::Impl* server = server_;
    {
      absl::MutexLock lk(&server->sessions_mu);
      server->sessions.erase(shared_from_this());
    }
    server->ReleaseSlot(remote_, false);
    server->CheckDrained();
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  net::steady_timer timer_;        // the handler's wake-ups
  net::steady_timer drain_timer_;  // a close waiting behind a write that does not end
  bhttp::request<bhttp::string_body> req_;
  Server::Impl* server_;
  std::string remote_;
  std::shared_ptr<live::SocketHandler> handler_;
  websocket::close_reason close_reason_;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_pending_ = false;
  bool draining_ = false;
  bool finished_ = false;
};

class Session final : public Conn, public std::enable_shared_from_this<Session> {
 public:
  // `health_only`: accepted beyond a connection cap; answers /health/* once, then closes.
  Session(tcp::socket socket, Server::Impl* server, std::string remote, bool health_only)
      : stream_(std::move(socket)),
        server_(server),
        health_only_(health_only),
        remote_(std::move(remote)) {
    // Beast reads at most the buffer's spare capacity (and at least 512 bytes) per call: an
    // empty buffer would read a 1 MB batch in thousands of small reads. A health check
    // needs little.
    buffer_.reserve(health_only ? 1024 : 64 * 1024);
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }
  // Closes the connection if it is waiting for a request (draining).
  void Drain() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.close();
      }
    });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(server_->options.max_header_bytes));
    // A new connection must send its header soon; later requests may wait idle first.
    // A health-only connection (beyond a cap) gets a second at most: a client that holds
    // reserved slots without asking anything loses them quickly.
    auto first_header = std::min(server_->options.header_timeout, server_->options.request_timeout);
    if (health_only_) first_header = std::min(first_header, std::chrono::milliseconds(1000));
    stream_.expires_after(first_ ? first_header : server_->options.idle_timeout);
    first_ = false;
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    busy_ = true;
    if (auto bad = CheckFraming(parser_->get())) {
      return Fail(bad->first, bad->first == 501 ? "Not implemented" : "Bad request", bad->second);
    }
    if (health_only_ && !parser_->get().target().starts_with("/health/")) {
      return Fail(503, "Service unavailable",
                  "the server is at its connection limit (in total, or for your address); "
                  "retry later",
                  1);
    }
    if (parser_->is_done()) return OnRead({}, 0);  // no body (GET): no second read
    stream_.expires_after(server_->options.request_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return Fail(413, "Payload too large",
                  "the body exceeds " + std::to_string(server_->options.max_body_bytes) + " bytes");
    }
    if (ec == bhttp::error::header_limit) {
      return Fail(431, "Request header fields too large",
                  "the header exceeds " + std::to_string(server_->options.max_header_bytes) +
                      " bytes");
    }
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof) {
      return Close();
    }
    return Fail(400, "Bad request", "malformed HTTP request: " + ec.message());
  }

  // Answers an error that leaves the connection unusable, then closes it without a reset
  // (Linger), so that the client reads the answer although it is still sending.
  void Fail(int status, std::string title, std::string detail, int retry_after_seconds = 0) {
    busy_ = true;
    keep_alive_ = false;
    linger_ = true;
    Request req;
    req.method = "-";  // logged and counted like any answer
    req.remote = remote_;
    req.request_id = server_->NextRequestId();
    if (parser_ && parser_->is_header_done()) {
      req.method = std::string(parser_->get().method_string());
      std::string_view target = parser_->get().target();
      req.path = std::string(target.substr(0, target.find('?')));
    }
    Send(req, ProblemResponse({.status = status, .title = std::move(title),
                               .detail = std::move(detail),
                               .retry_after_seconds = retry_after_seconds}, req.path), 0);
  }

  // Half-closes, then reads and discards what the client still sends (bounded in time and
  // bytes) before closing: closing a socket with unread input sends a TCP reset, which can
  // destroy the error answer before the client has read it.
  void Linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(2));
    discard_ = std::make_unique<char[]>(kDiscardBytes);
    DrainSome();
  }
  void DrainSome() {
    stream_.async_read_some(
        net::buffer(discard_.get(), kDiscardBytes),
        [self = shared_from_this()](beast::error_code ec, size_t n) {
          self->drained_ += n;
          if (ec || self->drained_ > kMaxDrainBytes) return self->Close();
          self->DrainSome();
        });
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    auto msg = parser_->release();
    auto req = std::make_shared<Request>();
    req->request_id = server_->NextRequestId();
    req->remote = remote_;
    if (std::optional<Problem> bad = ToRequest(msg, req.get())) {
      keep_alive_ = false;
      Send(*req, ProblemResponse(*bad, req->path), 0);
      return;
    }
    if (server_->options.upgrade && websocket::is_upgrade(msg)) return OnUpgrade(std::move(msg), req);
    keep_alive_ = msg.keep_alive() && !server_->draining.load() && !health_only_;
    stream_.expires_never();  // the handler's own time (durable ingest) is not the client's fault
    auto start = std::chrono::steady_clock::now();
    server_->handler(*req, [self = shared_from_this(), req, start](Response resp) {
      uint64_t micros = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                  std::chrono::steady_clock::now() - start)
                                                  .count());
      net::dispatch(self->stream_.get_executor(),
                    [self, req, resp = std::move(resp), micros]() mutable {
                      self->Send(*req, std::move(resp), micros);
                    });
    });
  }

  // A WebSocket handshake: refused as HTTP, or the connection becomes a WsSession, which
  // takes over its slot.
  void OnUpgrade(bhttp::request<bhttp::string_body> msg, const std::shared_ptr<Request>& req) {
    keep_alive_ = false;
    if (server_->draining.load()) {
      return Send(*req, ProblemResponse({.status = 503, .title = "Shutting down",
                                         .detail = "the server is shutting down",
                                         .retry_after_seconds = 1},
                                        req->path),
                  0);
    }
    auto start = std::chrono::steady_clock::now();
    Upgrade upgrade = server_->options.upgrade(*req);
    if (upgrade.refusal || !upgrade.handler) {
      Response refusal = upgrade.refusal ? std::move(*upgrade.refusal)
                                         : ProblemResponse({.status = 404, .title = "Not found",
                                                            .detail = "no WebSocket endpoint here"},
                                                           req->path);
      uint64_t micros = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                  std::chrono::steady_clock::now() - start)
                                                  .count());
      return Send(*req, std::move(refusal), micros);
    }
    if (server_->observer) server_->observer(*req, 101, 0);
    auto ws = std::make_shared<WsSession>(std::move(stream_), server_, remote_,
                                          std::move(upgrade.handler));
    {
      absl::MutexLock lk(&server_->sessions_mu);
      server_->sessions.erase(shared_from_this());
      server_->sessions.insert(ws);
    }
    closed_ = true;  // the slot is the WsSession's now
    ws->Start(std::move(msg), std::move(upgrade.subprotocol));
    // Shutdown may have listed the sessions between the check above and the insertion.
    if (server_->draining.load()) ws->Drain();
  }

  // Writes the response: the status line and header fields are formatted into one string and
  // sent with the body in one gathered write (Beast's serializer walks a buffer sequence per
  // field, which cost more than the whole handler of a cached answer).
  void Send(const Request& req, Response resp, uint64_t micros) {
    if (server_->observer && !req.method.empty()) server_->observer(req, resp.status, micros);
    bool keep_alive = keep_alive_ && !server_->draining.load();
    bool head = req.method == "HEAD";
    bool no_content = resp.status == 204 || resp.status == 304 || resp.status < 200;
    auto out = std::make_shared<Outgoing>();
    std::string& h = out->head;
    h.reserve(384 + resp.headers.size() * 64);
    h += "HTTP/1.1 ";
    h += std::to_string(resp.status);
    h += ' ';
    std::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(resp.status));
    h.append(reason.data(), reason.size());
    h += "\r\n";
    AppendField(h, "Content-Type", resp.content_type);
    if (!req.request_id.empty()) AppendField(h, "X-Request-Id", req.request_id);
    // Security headers for an API that only serves JSON: no sniffing, no framing, no
    // scripts, no caching of tenant data by shared caches, no referrer leaks.
    h += "X-Content-Type-Options: nosniff\r\n"
         "X-Frame-Options: DENY\r\n"
         "Referrer-Policy: no-referrer\r\n";
    // A page (GET /docs, the web app) may bring its own, still strict, policy; the web app's
    // files (no tenant data) their own caching.
    bool own_policy = false, own_caching = false;
    for (const auto& header : resp.headers) {
      own_policy |= header.first == "Content-Security-Policy";
      own_caching |= header.first == "Cache-Control";
    }
    if (!own_caching) h += "Cache-Control: no-store\r\n";
    if (!own_policy) h += "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n";
    for (const auto& [name, value] : resp.headers) AppendField(h, name, value);
    if (resp.traceparent.valid()) {
      char traceparent[trace::kTraceparentSize];
      trace::WriteTraceparent(resp.traceparent, traceparent);
      h += "traceparent: ";
      h.append(traceparent, sizeof traceparent);
      h += "\r\n";
    }
    if (!no_content) AppendField(h, "Content-Length", std::to_string(resp.body.size()));
    if (!keep_alive) h += "Connection: close\r\n";
    h += "\r\n";
    if (!head && !no_content) out->body = std::move(resp.body);
    stream_.expires_after(server_->options.request_timeout);
    std::array<net::const_buffer, 2> buffers{net::buffer(out->head), net::buffer(out->body)};
    net::async_write(stream_, buffers,
                     [self = shared_from_this(), out, keep_alive](beast::error_code ec, size_t) {
                       self->busy_ = false;
                       if (!ec && self->linger_) return self->Linger();
                       if (ec || !keep_alive) return self->Close();
                       self->Read();
                     });
  }

  struct Outgoing {
    std::string head, body;
  };
  // "Name: value\r\n"; CR and LF in a value are dropped (no header injection).
  static void AppendField(std::string& h, std::string_view name, std::string_view value) {
    h.append(name.data(), name.size());
    h += ": ";
    // Two memchr scans: find_first_of("\r\n") calls memchr once per byte of the value.
    if (std::memchr(value.data(), '\r', value.size()) == nullptr &&
        std::memchr(value.data(), '\n', value.size()) == nullptr) {
      h.append(value.data(), value.size());
    } else {
      for (char c : value) {
        if (c != '\r' && c != '\n') h.push_back(c);
      }
    }
    h += "\r\n";
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
    busy_ = false;
    Server::Impl* server = server_;
    {
      absl::MutexLock lk(&server->sessions_mu);
      server->sessions.erase(shared_from_this());
    }
    server->ReleaseSlot(remote_, health_only_);
    server->CheckDrained();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Server::Impl* server_;
  const bool health_only_;
  bool busy_ = false;
  bool first_ = true;
  bool keep_alive_ = true;
  bool closed_ = false;
  bool linger_ = false;
  std::string remote_;
  static constexpr size_t kDiscardBytes = 16 * 1024;
  static constexpr size_t kMaxDrainBytes = 64 << 20;
  std::unique_ptr<char[]> discard_;
  size_t drained_ = 0;
};

}  // namespace

absl::StatusOr<Request> ParseHttpRequest(std::string_view bytes, const ServerOptions& options) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(true);
  parser.body_limit(options.max_body_bytes);
  parser.header_limit(static_cast<uint32_t>(options.max_header_bytes));
  beast::error_code ec;
  net::const_buffer buffer(bytes.data(), bytes.size());
  while (buffer.size() > 0 && !parser.is_done()) {
    size_t used = parser.put(buffer, ec);
    if (ec == bhttp::error::need_more) break;
    if (ec) return absl::InvalidArgumentError(ec.message());
    if (used == 0) break;
    buffer += used;
  }
  if (!parser.is_done()) {
    if (!parser.got_some()) return absl::InvalidArgumentError("empty request");
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return absl::InvalidArgumentError("incomplete request");
  }
  if (auto bad = CheckFraming(parser.get())) return absl::InvalidArgumentError(bad->second);
  auto msg = parser.release();
  Request req;
  if (std::optional<Problem> bad = ToRequest(msg, &req)) {
    return absl::InvalidArgumentError(bad->detail);
  }
  return req;
}

void Server::Impl::Accept() {
  net::io_context& worker =
      workers.empty() ? ioc : *workers[next_worker.fetch_add(1) % workers.size()];
  acceptor.async_accept(worker, [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      // e.g. EMFILE: keep serving the connections we have, and try again shortly rather
      // than spinning on an accept that fails at once.
      accept_retry.expires_after(std::chrono::milliseconds(50));
      return accept_retry.async_wait([this](beast::error_code e) {
        if (!e && acceptor.is_open()) Accept();
      });
    }
    beast::error_code peer_ec;
    auto peer = socket.remote_endpoint(peer_ec);
    std::string ip = peer_ec ? std::string() : peer.address().to_string();
    bool health_only = false;
    bool admitted = !draining.load() && !peer_ec;
    if (admitted && !TakeSlot(ip)) {
      // Over a cap: a few more connections may still ask for health, so that load balancers
      // and orchestrators see the process alive while clients hold every slot.
      admitted = health_reserved.fetch_add(1) < options.health_reserve;
      if (admitted) {
        connections.fetch_add(1);
        health_only = true;
      } else {
        health_reserved.fetch_sub(1);
      }
    }
    if (!admitted) {
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      auto session = std::make_shared<Session>(std::move(socket), this, std::move(ip), health_only);
      {
        absl::MutexLock lk(&sessions_mu);
        sessions.insert(session);
      }
      session->Start();
    }
    Accept();
  });
}

bool Server::Impl::TakeSlot(const std::string& ip) {
  if (connections.load() - health_reserved.load() >= options.max_connections) return false;
  if (options.max_connections_per_ip > 0) {
    absl::MutexLock lock(&ip_mu);
    size_t& open = per_ip[ip];
    if (open >= options.max_connections_per_ip) return false;
    ++open;
  }
  connections.fetch_add(1);
  return true;
}

void Server::Impl::ReleaseSlot(const std::string& ip, bool health_only) {
  if (health_only) {
    health_reserved.fetch_sub(1);
  } else if (options.max_connections_per_ip > 0) {
    absl::MutexLock lock(&ip_mu);
    auto it = per_ip.find(ip);
    if (it != per_ip.end() && --it->second == 0) per_ip.erase(it);
  }
  connections.fetch_sub(1);
}

void Server::Impl::WaitForSignal() {
  signals.async_wait([this](beast::error_code ec, int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      options.on_reload();  // connections stay open; new requests see the new keys
      return WaitForSignal();
    }
    server->Shutdown();
  });
}

void Server::Impl::CheckDrained() {
  if (draining.load() && connections.load() == 0) StopAll();
}

void Server::Impl::StopAll() {
  ioc.stop();
  for (auto& w : workers) w->stop();
}

Server::Server(ServerOptions options, Handler handler, RequestObserver observer)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  impl_->observer = std::move(observer);
  int n = impl_->options.threads > 0 ? impl_->options.threads
                                      : static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 0; i < std::max(n, 1); ++i) {
    impl_->workers.push_back(std::make_unique<net::io_context>(1));
  }
}

Server::~Server() = default;

absl::Status Server::Start() {
  // Connections need file descriptors, and so does the store: raise the soft limit to the
  // hard one and keep the connection cap below it.
  if (rlimit lim; getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    if (lim.rlim_cur < lim.rlim_max) {
      lim.rlim_cur = lim.rlim_max;
      setrlimit(RLIMIT_NOFILE, &lim);
      getrlimit(RLIMIT_NOFILE, &lim);
    }
    constexpr rlim_t kReserved = 512;  // the store, logs, snapshots
    if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur > kReserved &&
        impl_->options.max_connections > lim.rlim_cur - kReserved) {
      impl_->options.max_connections = lim.rlim_cur - kReserved;
    }
  }
  beast::error_code ec;
  auto address = net::ip::make_address(impl_->options.host, ec);
  if (ec) return absl::InvalidArgumentError("invalid listen host " + impl_->options.host);
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& acc = impl_->acceptor;
  acc.open(endpoint.protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(endpoint, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError("cannot listen on " + impl_->options.host + ":" +
                                  std::to_string(impl_->options.port) + ": " + ec.message());
  }
  if (impl_->options.handle_signals) {
    impl_->signals.add(SIGTERM);
    impl_->signals.add(SIGINT);
    if (impl_->options.on_reload) impl_->signals.add(SIGHUP);
    impl_->server = this;
    impl_->WaitForSignal();
  }
  impl_->Accept();
  return absl::OkStatus();
}

uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::Run() {
  // The guards keep run() alive while idle; Shutdown stops every context when drained.
  auto guard = net::make_work_guard(impl_->ioc);
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  for (auto& worker : impl_->workers) {
    guards.push_back(net::make_work_guard(*worker));
    threads.emplace_back([w = worker.get()] {
      pthread_setname_np(pthread_self(), "rs-http");
      w->run();
    });
  }
  impl_->ioc.run();
  impl_->StopAll();
  for (auto& t : threads) t.join();
}

void Server::Shutdown() {
  net::post(impl_->ioc, [impl = impl_.get()] {
    if (impl->draining.exchange(true)) return;
    if (impl->options.on_drain) impl->options.on_drain();
    beast::error_code ec;
    impl->acceptor.close(ec);
    impl->accept_retry.cancel();
    impl->signals.cancel(ec);
    std::vector<std::shared_ptr<Conn>> live;
    {
      absl::MutexLock lk(&impl->sessions_mu);
      live.assign(impl->sessions.begin(), impl->sessions.end());
    }
    for (auto& s : live) s->Drain();
    impl->CheckDrained();
    // Requests that never finish (a stuck client) must not hold the process forever.
    auto timer = std::make_shared<net::steady_timer>(impl->ioc, impl->options.drain_timeout);
    timer->async_wait([impl, timer](beast::error_code) { impl->StopAll(); });
  });
}

}  // namespace readside::http
