#pragma once
// What the live-update logic needs from a WebSocket connection, without Beast: the HTTP
// server (http/server.cc) implements Socket over Boost.Beast and drives a SocketHandler.
//
// Threading: each connection lives on one thread of the server (an io_context with one
// thread). Every SocketHandler call, and every Socket call but Post, happens on it. Post may
// be called from any thread (the hub's) and runs the function on the connection's thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace readside::live {

using SteadyTime = std::chrono::steady_clock::time_point;

class Socket {
 public:
  virtual ~Socket() = default;
  // Sends one text message. One at a time: the handler's OnSent follows before the next Send.
  virtual void Send(std::shared_ptr<const std::string> text) = 0;
  // Starts the closing handshake with `code` and `reason` (after a Send in progress); then
  // OnClosed. Idempotent.
  virtual void Close(uint16_t code, std::string reason) = 0;
  // Tears the connection down without a close frame (a client that stopped reading: no
  // frame can pass its full buffer); then OnClosed.
  virtual void Abort() = 0;
  // OnTimer at (or soon after) `at`; replaces the previous wake-up.
  virtual void WakeAt(SteadyTime at) = 0;
  // Runs `fn` on the connection's thread (from any thread); dropped once the connection is
  // closed.
  virtual void Post(std::function<void()> fn) = 0;
};

class SocketHandler {
 public:
  virtual ~SocketHandler() = default;
  // The handshake is done; `socket` stays valid until OnClosed.
  virtual void OnOpen(Socket* socket) = 0;
  virtual void OnText(std::string_view text) = 0;
  virtual void OnSent() = 0;
  virtual void OnTimer() = 0;
  // The connection is gone (either side closed, an error, Abort); no call follows.
  virtual void OnClosed() = 0;
};

// The longest close reason a close frame holds (RFC 6455 §5.5: 125 bytes of payload, two of
// them the code), cut at a UTF-8 character boundary.
std::string CloseReason(std::string_view reason);

}  // namespace readside::live
