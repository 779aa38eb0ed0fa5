#pragma once
// The HTTP/1.1 server: Boost.Beast on a pool of Asio threads, keep-alive, limits on header
// size, body size (413), request and idle timeouts (slow clients are cut off), a connection
// cap, and graceful shutdown (stop accepting, finish in-flight requests, then return from Run).
// WebSocket upgrades are handed to ServerOptions::upgrade, and the connections it accepts are
// driven through live::Socket (graceful shutdown closes them with 1001).
// Only server.cc includes Beast/Asio.
// Thread-safety: Start/Run from one thread; Shutdown from any thread (also from signals).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "http/router.h"
#include "http/upgrade.h"

namespace readside::http {

struct WebSocketOptions {
  size_t max_message_bytes = 64 << 10;        // larger messages close with 1009
  std::chrono::milliseconds idle_timeout{60'000};  // ping at half, close at the whole
  std::chrono::milliseconds close_timeout{5'000};  // the handshakes (open and close)
  int send_buffer_bytes = 64 << 10;           // the kernel's send buffer of a connection
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 = any free port (see Server::port())
  int threads = 0;       // 0 = one per core
  size_t max_body_bytes = 16 << 20;   // spec: one batch ≤ 16 MiB → 413 above
  size_t max_header_bytes = 16 << 10;
  // A new connection must send its first complete request header within this (and within
  // request_timeout): an idle or trickling connection holds a slot only this long.
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};  // to receive one whole request
  std::chrono::milliseconds idle_timeout{60'000};     // keep-alive wait for the next request
  size_t max_connections = 10'000;
  // Connections from one client address; 0: no limit. Behind a proxy every client has the
  // proxy's address: raise it or turn it off there.
  size_t max_connections_per_ip = 1'000;
  // Connections accepted beyond either cap that may only ask /health/* (then close), so that
  // health checks are answered while the caps are reached.
  size_t health_reserve = 8;
  bool handle_signals = true;  // SIGTERM/SIGINT → graceful Shutdown
  std::function<void()> on_reload;  // called on SIGHUP (handle_signals), e.g. to re-read keys
  // Called once when draining starts (SIGTERM or Shutdown), e.g. to answer requests that
  // wait for something at once instead of holding the drain.
  std::function<void()> on_drain;
  std::chrono::milliseconds drain_timeout{10'000};
  // WebSocket handshakes go here (null: answered like any request, by the handler).
  UpgradeHandler upgrade;
  WebSocketOptions websocket;
};

// Called after each response with the request (route pattern, params, principal), status
// and handling time (µs).
using RequestObserver = std::function<void(const Request&, int status, uint64_t micros)>;

// Parses one HTTP/1.1 request from `bytes` the way a connection does (same parser, same
// limits, same Request). For the request-handling fuzz target and tests.
absl::StatusOr<Request> ParseHttpRequest(std::string_view bytes, const ServerOptions& options);

class Server {
 public:
  // `handler` answers every parsed request (the Gate in front of the Router).
  Server(ServerOptions options, Handler handler, RequestObserver observer = nullptr);
  ~Server();

  // Binds and listens. On failure names the address and the cause.
  absl::Status Start();
  uint16_t port() const;
  // Serves until Shutdown completes; returns after every in-flight request got its answer.
  void Run();
  void Shutdown();

  struct Impl;  // public so that server.cc's session type can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace readside::http
