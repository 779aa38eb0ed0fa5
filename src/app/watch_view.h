#pragma once
// What `readside watch` shows: the live metrics of one tenant, per domain, fed with the
// server's messages, rendered as a full-screen ANSI frame (redrawn in place) or as a plain
// snapshot. No I/O and no clock of its own: watch_command.cc owns the socket, the terminal and
// time, and passes "now" in, so tests render exact frames.
// Thread-safety: one thread at a time.

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "app/watch_message.h"

namespace readside::app::watch {

// The domains of GET /analytics/<domain route>/{org}, in the order they are shown.
inline const std::vector<std::string>& AllDomains() {
  static const std::vector<std::string> domains = {"crm",       "hrm",      "finance",
                                                   "inventory", "projects", "cross"};
  return domains;
}

struct MetricView {
  std::string name;
  std::string value;           // display text (watch_message.h)
  int64_t changed_micros = 0;  // when the value last changed; 0: as first shown
};

struct DomainView {
  enum class State { kWaiting, kLive, kHidden, kRefused };
  std::string domain;
  State state = State::kWaiting;
  std::string detail;  // kHidden / kRefused: the server's reason
  std::string period;
  uint64_t position = 0;
  std::vector<MetricView> metrics;
};

class WatchView {
 public:
  // `period` empty: the server's default (the tenant's current month), learnt from updates.
  WatchView(std::string organization, std::string period, std::vector<std::string> domains);

  // Applies one server message received at `now_micros` (wall clock). A message that cannot
  // be read is an error (kept and shown, the view is unchanged).
  absl::Status Apply(std::string_view text, int64_t now_micros);
  // The connection state shown in the header: "connecting", "live", "reconnecting in 2 s"…
  void SetConnection(std::string state) { connection_ = std::move(state); }
  // Something to show under the header (last error, "closed: 4401 token expired"…).
  void SetNotice(std::string notice) { notice_ = std::move(notice); }

  // True when every domain has its values or was refused (hidden): a snapshot is complete.
  bool Complete() const;
  const std::vector<DomainView>& domains() const { return domains_; }
  uint64_t position() const { return position_; }

  // The full-screen frame: `rows` lines of at most `cols` columns, each ending with "erase to
  // end of line", starting at the cursor's home. Values that changed within `highlight_micros`
  // of `now_micros` are drawn in reverse video.
  std::string RenderScreen(int cols, int rows, int64_t now_micros,
                           int64_t highlight_micros = 1'500'000) const;
  // One plain-text snapshot (no escape sequences): a header line, then per domain its title
  // and "  <metric>  <value>" lines; hidden domains on one line.
  std::string RenderPlain(int64_t now_micros) const;

 private:
  DomainView* Find(std::string_view domain);
  void ApplyUpdate(const LiveMessage& m, int64_t now_micros);
  std::string HeaderText(int64_t now_micros) const;
  double UpdatesPerSecond(int64_t now_micros) const;
  std::string ShownPeriod() const;

  std::string organization_;
  std::string period_;
  std::vector<DomainView> domains_;
  std::string connection_ = "connecting";
  std::string notice_;
  uint64_t position_ = 0;
  int64_t last_update_micros_ = 0;
  std::deque<int64_t> update_times_;  // of the last few seconds, for updates/s
};

}  // namespace readside::app::watch
