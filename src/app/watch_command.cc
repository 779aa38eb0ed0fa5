// `readside watch`: a terminal view of a tenant's live metrics (docs/live.md), for operators
// and demos. It subscribes to every domain over GET /analytics/real-time/{org} and redraws a
// full-screen table in place (at most 10 frames/s); with --once, or when stdout is not a
// terminal, it prints one plain snapshot and exits. The token travels in the handshake's
// Sec-WebSocket-Protocol header, never in the URL.

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <optional>

#include "app/commands.h"
#include "app/watch_view.h"
#include "app/ws_client.h"
#include "common/clock.h"
#include "common/json_writer.h"

namespace readside::app {
namespace {

using std::chrono::milliseconds;

std::atomic<bool> g_stop{false};     // SIGINT, SIGTERM, SIGHUP, or 'q'
std::atomic<bool> g_resized{false};  // SIGWINCH

extern "C" void OnStopSignal(int) { g_stop.store(true); }
extern "C" void OnResize(int) { g_resized.store(true); }

void InstallSignalHandlers() {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = OnStopSignal;  // no SA_RESTART: blocking calls return early
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  sa.sa_handler = OnResize;
  sigaction(SIGWINCH, &sa, nullptr);
}

void WriteAll(std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(STDOUT_FILENO, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    s.remove_prefix(static_cast<size_t>(n));
  }
}

// The alternate screen with a hidden cursor and unechoed keys while it lives; restores the
// terminal as it was when destroyed (also after Ctrl-C, which only sets g_stop).
class Screen {
 public:
  Screen() {
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios raw = saved_;
      raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);  // ISIG stays: Ctrl-C is SIGINT
      raw.c_cc[VMIN] = 0;
      raw.c_cc[VTIME] = 0;
      keys_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    WriteAll("\x1b[?1049h\x1b[?25l\x1b[2J");
  }
  ~Screen() {
    WriteAll("\x1b[0m\x1b[?25h\x1b[?1049l");
    if (keys_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;

  // True when 'q' was typed.
  bool QuitKey() const {
    if (!keys_) return false;
    pollfd p{.fd = STDIN_FILENO, .events = POLLIN, .revents = 0};
    char c = 0;
    while (poll(&p, 1, 0) == 1 && ::read(STDIN_FILENO, &c, 1) == 1) {
      if (c == 'q' || c == 'Q') return true;
    }
    return false;
  }
  static std::pair<int, int> Size() {  // columns, rows
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
      return {ws.ws_col, ws.ws_row};
    }
    return {80, 24};
  }

 private:
  termios saved_{};
  bool keys_ = false;
};

struct Endpoint {
  std::string host, port;
};

absl::StatusOr<Endpoint> ParseUrl(std::string_view url) {
  std::string_view u = url;
  for (std::string_view scheme : {"http://", "ws://"}) {
    if (u.starts_with(scheme)) u.remove_prefix(scheme.size());
  }
  while (!u.empty() && u.back() == '/') u.remove_suffix(1);
  if (u.size() == url.size() || u.empty() || u.find('/') != std::string_view::npos) {
    return absl::InvalidArgumentError("--url must look like http://host:port, got " +
                                      std::string(url));
  }
  size_t colon = u.rfind(':');
  bool has_port = colon != std::string_view::npos && u.find(']', colon) == std::string_view::npos;
  Endpoint e{std::string(has_port ? u.substr(0, colon) : u),
             has_port ? std::string(u.substr(colon + 1)) : "80"};
  if (e.host.starts_with('[') && e.host.ends_with(']')) {
    e.host = e.host.substr(1, e.host.size() - 2);
  }
  return e;
}

// Close codes after which reconnecting may help: the server went away or failed, the network
// dropped, or the tenant's budget was spent for a moment.
bool Retryable(int close_code) {
  return close_code == 1001 || close_code == 1006 || close_code == 1011 || close_code == 1012 ||
         close_code == 1013 || close_code == 4429;
}

bool RetryableStatus(const absl::Status& s) {
  return absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s) || absl::IsResourceExhausted(s);
}

struct Exit {
  int code = 0;
  std::string message;  // printed on stderr once the terminal is restored
};

class Watcher {
 public:
  Watcher(const WatchOptions& o, const Endpoint& endpoint)
      : o_(o),
        view_(o.organization, o.period, o.domains.empty() ? watch::AllDomains() : o.domains),
        connect_{.host = endpoint.host,
                 .port = endpoint.port,
                 .target = "/analytics/real-time/" + o.organization,
                 .headers = {{"Sec-WebSocket-Protocol", "bearer, " + o.token}},
                 .cancel = &g_stop} {}

  Exit RunOnce();
  Exit RunInteractive();

 private:
  // Wall clock (shown) and monotonic time (deadlines), from the one Clock seam.
  int64_t Now() const { return SystemClock::Get().NowMicros(); }
  static milliseconds Monotonic() {
    return std::chrono::duration_cast<milliseconds>(
        std::chrono::nanoseconds(SystemClock::Get().MonotonicNanos()));
  }
  absl::Status Subscribe(WebSocketClient& ws);
  std::optional<Exit> Pump(WebSocketClient& ws);
  void Draw(bool force);
  void WaitBeforeReconnect();

  const WatchOptions& o_;
  watch::WatchView view_;
  WsConnectOptions connect_;
  std::optional<Screen> screen_;
  int64_t last_draw_ = 0;
  bool dirty_ = true;
  milliseconds backoff_{500};
};

absl::Status Watcher::Subscribe(WebSocketClient& ws) {
  for (const watch::DomainView& d : view_.domains()) {
    JsonBuilder b;
    b.BeginObject().Key("type").String("subscribe").Key("domain").String(d.domain);
    if (!o_.period.empty()) b.Key("period").String(o_.period);
    b.EndObject();
    if (absl::Status s = ws.Send(b.str()); !s.ok()) return s;
  }
  return absl::OkStatus();
}

Exit Watcher::RunOnce() {
  absl::StatusOr<std::unique_ptr<WebSocketClient>> ws = WebSocketClient::Connect(connect_);
  if (!ws.ok()) return {1, "cannot connect: " + std::string(ws.status().message())};
  if (absl::Status s = Subscribe(**ws); !s.ok()) return {1, std::string(s.message())};
  milliseconds deadline = Monotonic() + o_.once_timeout;
  while (!view_.Complete() && !g_stop.load()) {
    milliseconds left = deadline - Monotonic();
    if (left.count() <= 0) break;
    WsEvent e = (*ws)->Read(left);
    if (e.kind == WsEvent::Kind::kMessage) (void)view_.Apply(e.text, Now());
    if (e.kind == WsEvent::Kind::kClosed) {
      return {1, "closed by the server: " + std::to_string(e.close_code) + " " + e.reason};
    }
  }
  (*ws)->Close(1000, "snapshot taken");
  WriteAll(view_.RenderPlain(Now()));
  if (view_.Complete()) return {0, ""};
  std::string missing;
  for (const watch::DomainView& d : view_.domains()) {
    if (d.state == watch::DomainView::State::kWaiting) missing += " " + d.domain;
  }
  return {1, "no values within the timeout for:" + missing};
}

void Watcher::Draw(bool force) {
  int64_t now = Now();
  if (g_resized.exchange(false)) force = true;
  // At most 10 frames/s; once a second anyway for the clock and fading highlights.
  if (!force && !(dirty_ && now - last_draw_ >= 100'000) && now - last_draw_ < 1'000'000) return;
  auto [cols, rows] = Screen::Size();
  WriteAll(view_.RenderScreen(cols, rows, now));
  last_draw_ = now;
  dirty_ = false;
}

// Reads and draws until the connection ends or the user quits. Returns the exit when the
// watch is over, nullopt when the connection dropped in a way reconnecting may fix.
std::optional<Exit> Watcher::Pump(WebSocketClient& ws) {
  while (!g_stop.load()) {
    if (screen_->QuitKey()) g_stop.store(true);
    WsEvent e = ws.Read(milliseconds(50));
    if (e.kind == WsEvent::Kind::kMessage) {
      (void)view_.Apply(e.text, Now());
      view_.SetConnection("live");
      backoff_ = milliseconds(500);
      dirty_ = true;
    } else if (e.kind == WsEvent::Kind::kClosed) {
      std::string what = std::to_string(e.close_code) + " " + e.reason;
      if (!Retryable(e.close_code) || !o_.reconnect) {
        return Exit{1, "closed by the server: " + what};
      }
      view_.SetNotice("connection lost: " + what);
      return std::nullopt;
    }
    Draw(false);
  }
  ws.Close(1000, "bye");
  return Exit{0, ""};
}

void Watcher::WaitBeforeReconnect() {
  milliseconds until = Monotonic() + backoff_;
  while (!g_stop.load()) {
    if (screen_->QuitKey()) g_stop.store(true);
    milliseconds left = until - Monotonic();
    if (left.count() <= 0) break;
    view_.SetConnection("reconnecting in " + std::to_string((left.count() + 999) / 1000) + " s");
    Draw(false);
    usleep(50'000);
  }
  backoff_ = std::min(backoff_ * 2, milliseconds(10'000));
}

Exit Watcher::RunInteractive() {
  screen_.emplace();
  for (int attempt = 0; !g_stop.load(); ++attempt) {
    view_.SetConnection(attempt == 0 ? "connecting" : "reconnecting");
    Draw(true);
    absl::StatusOr<std::unique_ptr<WebSocketClient>> ws = WebSocketClient::Connect(connect_);
    absl::Status status = ws.ok() ? Subscribe(**ws) : ws.status();
    if (absl::IsCancelled(status)) break;
    if (!status.ok()) {
      if (!RetryableStatus(status) || !o_.reconnect) {
        return {1, "cannot connect: " + std::string(status.message())};
      }
      view_.SetNotice(std::string(status.message()));
      WaitBeforeReconnect();
      continue;
    }
    view_.SetConnection("subscribing");
    view_.SetNotice("");
    if (std::optional<Exit> done = Pump(**ws)) return *done;
    WaitBeforeReconnect();
  }
  return {0, ""};
}

}  // namespace

int RunWatch(const WatchOptions& options) {
  auto fail = [](int code, const std::string& message) {
    std::fprintf(stderr, "readside watch: %s\n", message.c_str());
    return code;
  };
  if (options.token.empty()) return fail(2, "a token is required: --token or READSIDE_TOKEN");
  for (const std::string& d : options.domains) {
    const auto& all = watch::AllDomains();
    if (std::find(all.begin(), all.end(), d) == all.end()) {
      return fail(2, "unknown domain '" + d + "' (crm, hrm, finance, inventory, projects, cross)");
    }
  }
  absl::StatusOr<Endpoint> endpoint = ParseUrl(options.url);
  if (!endpoint.ok()) return fail(2, std::string(endpoint.status().message()));
  InstallSignalHandlers();
  Exit exit;
  {
    Watcher watcher(options, *endpoint);
    bool interactive = !options.once && isatty(STDOUT_FILENO);
    exit = interactive ? watcher.RunInteractive() : watcher.RunOnce();
  }  // the terminal is restored here, so the message below stays visible
  return exit.message.empty() ? exit.code : fail(exit.code, exit.message);
}

}  // namespace readside::app
