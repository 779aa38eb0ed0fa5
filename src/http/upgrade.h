#pragma once
// A WebSocket handshake (RFC 6455) the server was asked for: either a refusal, answered as
// HTTP before any upgrade, or the handler of the connection and the subprotocol to select.
// The server (server.cc) calls an UpgradeHandler; routes_live.cc makes the live endpoints'.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/request.h"
#include "live/socket.h"

namespace readside::http {

struct Upgrade {
  std::optional<Response> refusal;
  std::shared_ptr<live::SocketHandler> handler;
  std::string subprotocol;  // e.g. "bearer"; empty: none selected
};
// Decides an upgrade request (called on a connection's thread; must not block).
using UpgradeHandler = std::function<Upgrade(Request& req)>;

}  // namespace readside::http
