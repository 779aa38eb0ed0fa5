#pragma once
// The live-update protocol's messages (docs/live.md): parsing what clients send, writing what
// the server sends. Every refusal names the member and the rule, as a close code and reason.
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/problem.h"

namespace readside::live {

// Close codes (docs/live.md "Close codes").
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseGoingAway = 1001;
inline constexpr uint16_t kCloseUnsupported = 1003;  // binary frames
inline constexpr uint16_t kCloseTooBig = 1009;
inline constexpr uint16_t kCloseInternal = 1011;
inline constexpr uint16_t kCloseBadRequest = 4400;
inline constexpr uint16_t kCloseUnauthorized = 4401;
inline constexpr uint16_t kCloseForbidden = 4403;
inline constexpr uint16_t kCloseNotFound = 4404;
inline constexpr uint16_t kCloseTooManyRequests = 4429;

enum class Endpoint { kAnalytics, kDashboards };

struct ClientMessage {
  enum Type { kAuth, kSubscribe, kUnsubscribe, kPing } type = kPing;
  std::string token;                 // auth
  std::string domain;                // analytics (un)subscribe
  std::string period;                // analytics; empty: the current month
  std::vector<std::string> widgets;  // dashboards (un)subscribe
  std::string dashboard_id;          // dashboards; empty: the caller's dashboard
};

struct Refusal {
  uint16_t code = kCloseBadRequest;
  std::string reason;
};

inline constexpr size_t kMaxWidgetsPerMessage = 64;
inline constexpr size_t kMaxIdBytes = 200;
inline constexpr size_t kMaxTokenBytes = 8192;

// Parses one text message sent to `endpoint`. Unknown members, types or domains, and members
// of the wrong type are refusals (4400) naming them.
std::variant<ClientMessage, Refusal> ParseClientMessage(std::string_view text, Endpoint endpoint);

// Server messages. `extra` members are written as given (already JSON).
std::string ReadyMessage(std::string_view organization_id, int64_t expires_at, uint64_t position,
                         size_t max_subscriptions);
std::string PongMessage(uint64_t position);
// {"type":"error","status","title","detail",<about>}: `about` is `"domain":…,"period":…` or
// `"widget_id":…` (JSON members without braces), or empty.
std::string ErrorMessage(const Problem& problem, std::string_view about);
// The `about` members of an error: `"domain":…,"period":…` or `"widget_id":…,"dashboard_id":…`.
std::string AboutSubscription(std::string_view domain, std::string_view period);
std::string AboutWidget(std::string_view widget_id, std::string_view dashboard_id);

}  // namespace readside::live
