#pragma once
// The server → client messages of the live protocol (docs/live.md) as `readside watch` reads
// them: every metric value kept as display text, numbers exactly as the server wrote them
// (money stays "1500.00", not the nearest double).
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace readside::app::watch {

struct LiveMessage {
  std::string type;  // ready, update, error, pong, widget, …
  std::string domain;
  std::string period;
  uint64_t position = 0;  // 0: the message has none
  bool full = false;      // update: every metric (else only the changed ones)
  int status = 0;         // error
  std::string title;      // error
  std::string detail;     // error
  // update: metric name → display text, in the server's order. A breakdown object is shown
  // as "{n} key value, …" by descending value, an array as "[n] …" (DisplayValue).
  std::vector<std::pair<std::string, std::string>> metrics;
};

// Reads one text message. Members the watch does not use are skipped; an unreadable message
// (not a JSON object, a member of the wrong type) is InvalidArgument.
absl::StatusOr<LiveMessage> DecodeLiveMessage(std::string_view text);

}  // namespace readside::app::watch
