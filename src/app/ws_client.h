#pragma once
// A small blocking WebSocket client (RFC 6455 over plain TCP) for `readside watch`: one
// connection, every call bounded by a deadline. Boost.Beast stays in ws_client.cc.
// Thread-safety: a WebSocketClient is used by one thread at a time.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace readside::app {

struct WsConnectOptions {
  std::string host;
  std::string port;
  std::string target;  // "/analytics/real-time/acme-corp"
  // Extra handshake headers, e.g. {"Sec-WebSocket-Protocol", "bearer, <token>"}.
  std::vector<std::pair<std::string, std::string>> headers;
  // Connecting, the handshake and each Send are bounded by this.
  std::chrono::milliseconds timeout{10'000};
  // The connection counts as lost when nothing (not even a pong to the client's ping, sent
  // at half of it) arrived for this long.
  std::chrono::milliseconds idle_timeout{30'000};
  // When set and true, a blocking call gives up within ~100 ms (Ctrl-C).
  const std::atomic<bool>* cancel = nullptr;
};

// What one Read returned.
struct WsEvent {
  enum class Kind { kMessage, kTimeout, kClosed };
  Kind kind = Kind::kTimeout;
  std::string text;    // kMessage: the payload (text or binary frame)
  int close_code = 0;  // kClosed: the peer's close code; 1006 when the connection dropped
  std::string reason;  // kClosed: the close reason, or what went wrong on the network
};

class WebSocketClient {
 public:
  // Connects and performs the opening handshake. On failure: Unavailable or DeadlineExceeded
  // for network trouble (worth retrying), Cancelled when options.cancel was set, and for a
  // refused handshake a status by its HTTP answer — 401 Unauthenticated, 403
  // PermissionDenied, 404 NotFound, 429 ResourceExhausted, 5xx Unavailable, other
  // FailedPrecondition — whose message is "HTTP <status>: <problem detail or body>".
  static absl::StatusOr<std::unique_ptr<WebSocketClient>> Connect(const WsConnectOptions& options);
  ~WebSocketClient();

  // Sends one text message. An error means the connection is gone.
  absl::Status Send(std::string_view text);
  // Waits up to `timeout` for the next message, the close of the connection (after which every
  // Read returns the same kClosed event) or nothing (kTimeout).
  WsEvent Read(std::chrono::milliseconds timeout);
  // Sends a close frame with `code` and `reason` and waits briefly for the peer's; best effort.
  void Close(int code, std::string_view reason);

 private:
  struct Impl;
  explicit WebSocketClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace readside::app
