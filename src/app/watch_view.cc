#include "app/watch_view.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace readside::app::watch {
namespace {

constexpr int64_t kRateWindowMicros = 5'000'000;  // updates/s is averaged over this
constexpr int kMinColumnWidth = 48;
constexpr int kMaxColumns = 4;

// Display width of UTF-8 text, one column per code point (good enough for ids and numbers).
size_t Width(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The first `width` columns of `s`; "…" ends text that was cut.
std::string Fit(std::string_view s, size_t width) {
  if (Width(s) <= width) return std::string(s);
  if (width == 0) return "";
  std::string out;
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    bool lead = (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
    if (lead && ++n == width) break;
    out.push_back(s[i]);
  }
  return out + "…";
}

std::string Pad(std::string s, size_t width) {
  size_t w = Width(s);
  if (w < width) s.append(width - w, ' ');
  return s;
}

std::string ClockTime(int64_t micros) {
  std::time_t t = static_cast<std::time_t>(micros / 1'000'000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char out[16];
  std::strftime(out, sizeof out, "%H:%M:%S", &tm);
  return out;
}

// One line of a domain block: a label and a value, drawn bold (title) or with the value in
// reverse video (just changed).
struct Line {
  std::string label;
  std::string value;
  bool title = false;
  bool highlight = false;
};

std::vector<Line> BlockLines(const DomainView& d, int64_t now, int64_t highlight_micros) {
  std::vector<Line> lines;
  std::string title = d.domain;
  if (d.state == DomainView::State::kWaiting) title += "  waiting…";
  if (d.state == DomainView::State::kRefused) title += "  refused: " + d.detail;
  if (d.state == DomainView::State::kLive) {
    title += "  " + d.period + "  position " + std::to_string(d.position);
  }
  lines.push_back({.label = title, .title = true});
  size_t name_width = 0;
  for (const MetricView& m : d.metrics) name_width = std::max(name_width, Width(m.name));
  for (const MetricView& m : d.metrics) {
    bool recent = m.changed_micros != 0 && now - m.changed_micros < highlight_micros;
    lines.push_back(
        {.label = "  " + Pad(m.name, name_width) + "  ", .value = m.value, .highlight = recent});
  }
  return lines;
}

// `line` drawn in exactly `width` columns (the last one left blank between columns).
std::string Cell(const Line& line, size_t width) {
  size_t room = width > 0 ? width - 1 : 0;
  std::string label = Fit(line.label, room);
  std::string value = Fit(line.value, room - std::min(room, Width(label)));
  size_t pad = width - std::min(width, Width(label) + Width(value));
  std::string out = line.title ? "\x1b[1m" + label + "\x1b[22m" : label;
  out += line.highlight && !value.empty() ? "\x1b[7m" + value + "\x1b[27m" : value;
  return out.append(pad, ' ');
}

}  // namespace

WatchView::WatchView(std::string organization, std::string period, std::vector<std::string> domains)
    : organization_(std::move(organization)), period_(std::move(period)) {
  for (std::string& d : domains) domains_.push_back(DomainView{.domain = std::move(d)});
}

DomainView* WatchView::Find(std::string_view domain) {
  for (DomainView& d : domains_) {
    if (d.domain == domain) return &d;
  }
  return nullptr;
}

absl::Status WatchView::Apply(std::string_view text, int64_t now_micros) {
  absl::StatusOr<LiveMessage> m = DecodeLiveMessage(text);
  if (!m.ok()) {
    notice_ = "unreadable message from the server: " + std::string(m.status().message());
    return m.status();
  }
  position_ = std::max(position_, m->position);
  if (m->type == "update") {
    ApplyUpdate(*m, now_micros);
  } else if (m->type == "error") {
    std::string why = m->detail.empty() ? m->title : m->detail;
    DomainView* d = Find(m->domain);
    if (d == nullptr) {
      notice_ = "error " + std::to_string(m->status) + ": " + why;
    } else {
      d->state = m->status == 403 ? DomainView::State::kHidden : DomainView::State::kRefused;
      d->detail = std::to_string(m->status) + " " + why;
    }
  }
  return absl::OkStatus();
}

void WatchView::ApplyUpdate(const LiveMessage& m, int64_t now) {
  DomainView* d = Find(m.domain);
  if (d == nullptr) return;
  d->state = DomainView::State::kLive;
  d->period = m.period;
  d->position = std::max(d->position, m.position);
  auto old = [&](const std::string& name) -> const MetricView* {
    for (const MetricView& v : d->metrics) {
      if (v.name == name) return &v;
    }
    return nullptr;
  };
  auto changed = [&](const MetricView* before, const std::string& value) {
    if (before == nullptr) return m.full && d->metrics.empty() ? int64_t{0} : now;
    return before->value == value ? before->changed_micros : now;
  };
  if (m.full) {
    std::vector<MetricView> next;
    for (const auto& [name, value] : m.metrics) {
      next.push_back({.name = name, .value = value, .changed_micros = changed(old(name), value)});
    }
    d->metrics = std::move(next);
  } else {
    for (const auto& [name, value] : m.metrics) {
      const MetricView* before = old(name);
      int64_t at = changed(before, value);
      if (before == nullptr) {
        d->metrics.push_back({.name = name, .value = value, .changed_micros = at});
      } else {
        MetricView& v = d->metrics[static_cast<size_t>(before - d->metrics.data())];
        v.value = value;
        v.changed_micros = at;
      }
    }
  }
  last_update_micros_ = now;
  update_times_.push_back(now);
  while (!update_times_.empty() && update_times_.front() <= now - kRateWindowMicros) {
    update_times_.pop_front();
  }
}

bool WatchView::Complete() const {
  return std::none_of(domains_.begin(), domains_.end(),
                      [](const DomainView& d) { return d.state == DomainView::State::kWaiting; });
}

double WatchView::UpdatesPerSecond(int64_t now) const {
  auto recent = std::count_if(update_times_.begin(), update_times_.end(),
                              [&](int64_t t) { return t > now - kRateWindowMicros; });
  return static_cast<double>(recent) * 1e6 / kRateWindowMicros;
}

std::string WatchView::ShownPeriod() const {
  if (!period_.empty()) return period_;
  for (const DomainView& d : domains_) {
    if (!d.period.empty()) return d.period;
  }
  return "current month";
}

std::string WatchView::HeaderText(int64_t now) const {
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f updates/s", UpdatesPerSecond(now));
  return "readside watch · " + organization_ + " · period " + ShownPeriod() + " · position " +
         std::to_string(position_) + " · " + connection_ + " · last update " +
         (last_update_micros_ == 0 ? std::string("—") : ClockTime(last_update_micros_)) + " · " +
         rate;
}

std::string WatchView::RenderScreen(int cols, int rows, int64_t now,
                                    int64_t highlight_micros) const {
  size_t width = static_cast<size_t>(std::max(cols, 1));
  std::vector<std::string> screen;  // finished rows
  screen.push_back("\x1b[7m" + Pad(Fit(HeaderText(now), width), width) + "\x1b[27m");
  std::string hidden;
  for (const DomainView& d : domains_) {
    if (d.state == DomainView::State::kHidden) hidden += (hidden.empty() ? "" : ", ") + d.domain;
  }
  std::string second = hidden.empty() ? "" : "hidden (not in your roles): " + hidden;
  if (!notice_.empty()) second += (second.empty() ? "" : " · ") + notice_;
  screen.push_back(Pad(Fit(second, width), width));

  // Domain blocks flow top to bottom through as many columns as the width allows.
  int ncols = std::clamp(cols / kMinColumnWidth, 1, kMaxColumns);
  size_t col_width = width / static_cast<size_t>(ncols);
  int height = std::max(rows - 3, 1);  // below the header, the notice and a blank row
  std::vector<std::vector<Line>> columns(static_cast<size_t>(ncols));
  size_t col = 0;
  bool cut = false;
  for (const DomainView& d : domains_) {
    if (d.state == DomainView::State::kHidden) continue;
    std::vector<Line> block = BlockLines(d, now, highlight_micros);
    auto* column = &columns[col];
    if (!column->empty() && column->size() + 1 + block.size() > static_cast<size_t>(height)) {
      if (++col == columns.size()) {
        cut = true;
        break;
      }
      column = &columns[col];
    }
    if (!column->empty()) column->push_back({});
    for (Line& line : block) {
      if (column->size() == static_cast<size_t>(height)) {
        if (++col == columns.size()) {
          cut = true;
          break;
        }
        column = &columns[col];
      }
      column->push_back(std::move(line));
    }
    if (cut) break;
  }
  if (cut) columns.back().back() = Line{.label = "… (enlarge the terminal to see more)"};

  std::string out = "\x1b[H";
  for (size_t r = 0; r < static_cast<size_t>(std::max(rows, 1)); ++r) {
    if (r < screen.size()) {
      out += screen[r];
    } else if (r >= 3 && r - 3 < static_cast<size_t>(height)) {
      for (const std::vector<Line>& column : columns) {
        out += r - 3 < column.size() ? Cell(column[r - 3], col_width) : std::string();
        if (r - 3 >= column.size()) out.append(col_width, ' ');
      }
    }
    out += "\x1b[K";
    if (r + 1 < static_cast<size_t>(rows)) out += "\r\n";
  }
  return out;
}

std::string WatchView::RenderPlain(int64_t now) const {
  std::string out = organization_ + "  period " + ShownPeriod() + "  position " +
                    std::to_string(position_) + "\n";
  std::string hidden;
  for (const DomainView& d : domains_) {
    if (d.state == DomainView::State::kHidden) {
      hidden += (hidden.empty() ? "" : ", ") + d.domain;
      continue;
    }
    for (const Line& line : BlockLines(d, now, 0)) out += line.label + line.value + "\n";
  }
  if (!hidden.empty()) out += "hidden (not in your roles): " + hidden + "\n";
  return out;
}

}  // namespace readside::app::watch
