// Charts in the PDF, drawn as vectors: a value axis with round ticks and gridlines, the
// categories below (rotated and thinned when they would collide), bars grouped per category
// with value labels, or lines with markers; a legend when there are several series.
#include <algorithm>
#include <cmath>
#include <optional>

#include "render/cell_text.h"
#include "render/pdf_internal.h"

namespace readside::render::pdf {
namespace {

constexpr double kChartHeight = 236;
const TextStyle kAxis{"DejaVu Sans 7", kGrey};
const TextStyle kCategory{"DejaVu Sans 7", kBlack};
const TextStyle kValueLabel{"DejaVu Sans 6.5", kBlack};

struct Scale {
  double lo = 0, hi = 1, step = 1;
  int decimals = 0;  // of the tick labels
};

// Round ticks (1, 2, 2.5 or 5 × 10^k) covering [min, max] and zero.
Scale NiceScale(double min, double max) {
  min = std::min(min, 0.0);
  max = std::max(max, 0.0);
  if (max - min < 1e-12) max = min + 1;
  const double rough = (max - min) / 5;
  const double magnitude = std::pow(10, std::floor(std::log10(rough)));
  double step = magnitude * 10;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * magnitude >= rough) {
      step = m * magnitude;
      break;
    }
  }
  Scale s;
  s.step = step;
  s.lo = std::floor(min / step + 1e-9) * step;
  s.hi = std::ceil(max / step - 1e-9) * step;
  s.decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  if (std::fmod(step * std::pow(10, s.decimals), 1.0) > 1e-6) ++s.decimals;  // 2.5, 0.25
  return s;
}

std::string TickText(double v, int decimals) {
  double factor = std::pow(10, decimals);
  report::Decimal d{static_cast<int64_t>(std::llround(v * factor)),
                    static_cast<uint8_t>(decimals)};
  return d.Format(decimals, true);
}

// The chart's data as a grid: categories in order of first appearance, one value (or none)
// per series and category.
struct Grid {
  std::vector<std::string> categories;
  std::vector<std::vector<std::optional<report::Decimal>>> values;  // [series][category]
  double min = 0, max = 0;
  int label_places = 0;  // 0 when every value is whole, else 2
};

Grid MakeGrid(const report::Section& s) {
  Grid g;
  for (const report::ChartSeries& series : s.series) {
    for (const report::ChartPoint& p : series.points) {
      if (std::find(g.categories.begin(), g.categories.end(), p.x) == g.categories.end()) {
        g.categories.push_back(p.x);
      }
    }
  }
  g.values.assign(s.series.size(), std::vector<std::optional<report::Decimal>>(g.categories.size()));
  for (size_t k = 0; k < s.series.size(); ++k) {
    for (const report::ChartPoint& p : s.series[k].points) {
      size_t i = std::find(g.categories.begin(), g.categories.end(), p.x) - g.categories.begin();
      g.values[k][i] = p.y;
      double v = NumberValue(p.y);
      g.min = std::min(g.min, v);
      g.max = std::max(g.max, v);
      if (p.y.ToString().find('.') != std::string::npos) g.label_places = 2;
    }
  }
  return g;
}

// Legend entries laid out left to right, wrapping; returns its height.
double Legend(Canvas& c, const report::Section& s, double top) {
  if (s.series.size() < 2) return 0;
  const double line = c.LineHeight(kCategory) + 3;
  double x = kMarginX, y = top;
  for (size_t k = 0; k < s.series.size(); ++k) {
    double w = std::min(c.Measure(s.series[k].name, kCategory), 150.0) + 1;
    if (x + 11 + w > kMarginX + kContentWidth && x > kMarginX) {
      x = kMarginX;
      y += line;
    }
    const Rgb color = kPalette[k % std::size(kPalette)];
    c.FillRect(x, y + (line - 3 - 7) / 2 + 1, 7, 7, color);
    c.Text(s.series[k].name, kCategory, x + 11, y, w);
    x += 11 + w + 14;
  }
  return y - top + line + 4;
}

// How the category labels fit under slots of `slot` points: straight, or rotated by 45°
// showing every `every`-th label.
struct CategoryLayout {
  bool rotated = false;
  size_t every = 1;
  double height = 0;     // room below the plot
  double max_width = 0;  // a label is cut to this
};

CategoryLayout LayoutCategories(Canvas& c, const Grid& g, double slot) {
  CategoryLayout l;
  const double h = c.LineHeight(kCategory);
  for (const std::string& x : g.categories) l.max_width = std::max(l.max_width, c.Measure(x, kCategory));
  l.max_width = std::min(l.max_width, 80.0);
  if (l.max_width + 4 <= slot) {
    l.height = h + 5;
    return l;
  }
  l.rotated = true;
  l.every = static_cast<size_t>(std::ceil((h * 1.5) / slot));  // rotated labels' spacing
  l.height = (l.max_width + h) * std::sqrt(0.5) + 6;
  return l;
}

}  // namespace

double ChartHeight() { return kChartHeight; }

void DrawChart(Canvas& c, const report::Section& s) {
  Grid g = MakeGrid(s);
  const double top = c.y();
  if (g.categories.empty()) {
    c.Text("No data", kAxis, kMarginX, top, kContentWidth);
    c.Advance(c.LineHeight(kAxis) + 4);
    return;
  }
  c.Need(kChartHeight);
  const double chart_top = c.y();
  const bool bars = s.chart != "line";
  const double legend = Legend(c, s, chart_top);
  Scale scale = NiceScale(g.min, g.max);

  double tick_width = 0;
  for (double v = scale.lo; v <= scale.hi + scale.step / 2; v += scale.step) {
    tick_width = std::max(tick_width, c.Measure(TickText(v, scale.decimals), kAxis));
  }
  const double left = kMarginX + tick_width + 6, right = kMarginX + kContentWidth - 2;
  const double n = static_cast<double>(g.categories.size());
  const double slot = (right - left) / n;
  CategoryLayout cats = LayoutCategories(c, g, slot);

  // Value labels over bars: straight when they fit the bar, upright (rotated 90°) when a
  // line of text fits, else none.
  const double series = static_cast<double>(std::max<size_t>(1, s.series.size()));
  const double bar = slot * 0.76 / series;
  double label_width = 0;
  if (bars) {
    for (const auto& row : g.values) {
      for (const auto& v : row) {
        if (v) label_width = std::max(label_width, c.Measure(v->Format(g.label_places, true), kValueLabel));
      }
    }
  }
  const double label_h = c.LineHeight(kValueLabel);
  enum { kNone, kStraight, kUpright } labels = !bars ? kNone
                                               : label_width <= bar - 1 ? kStraight
                                               : label_h <= bar - 0.5   ? kUpright
                                                                        : kNone;
  const double pad = labels == kStraight ? label_h + 2 : labels == kUpright ? label_width + 4 : 4;
  const double plot_top = chart_top + legend + (g.max > 0 ? pad : 4);
  const double plot_bottom = chart_top + kChartHeight - cats.height - (g.min < 0 ? pad : 0);
  auto Y = [&](double v) {
    return plot_bottom - (v - scale.lo) / (scale.hi - scale.lo) * (plot_bottom - plot_top);
  };

  // Gridlines and ticks.
  const double axis_h = c.LineHeight(kAxis);
  for (double v = scale.lo; v <= scale.hi + scale.step / 2; v += scale.step) {
    c.Line(left, Y(v), right, Y(v), 0.4, kLightGrey);
    c.Text(TickText(v, scale.decimals), kAxis, kMarginX, Y(v) - axis_h / 2, tick_width,
           Align::kRight);
  }
  const double zero = Y(std::clamp(0.0, scale.lo, scale.hi));
  c.Line(left, zero, right, zero, 0.8, kGrey);

  // Categories.
  const double cat_y = chart_top + kChartHeight - cats.height + 3 + (g.min < 0 ? 0 : 0);
  for (size_t i = 0; i < g.categories.size(); i += cats.every) {
    double center = left + slot * (static_cast<double>(i) + 0.5);
    if (cats.rotated) {
      c.RotatedText(g.categories[i], kCategory, center + 2, cat_y + 2, 45, true, cats.max_width);
    } else {
      c.Text(g.categories[i], kCategory, center - slot / 2, cat_y, slot, Align::kCenter);
    }
  }

  // The series.
  for (size_t k = 0; k < g.values.size(); ++k) {
    const Rgb color = kPalette[k % std::size(kPalette)];
    std::optional<std::pair<double, double>> previous;
    for (size_t i = 0; i < g.categories.size(); ++i) {
      const auto& v = g.values[k][i];
      if (!v) {
        previous.reset();
        continue;
      }
      double value = NumberValue(*v), y = Y(value);
      double center = left + slot * (static_cast<double>(i) + 0.5);
      if (bars) {
        double x = center - slot * 0.38 + bar * static_cast<double>(k);
        c.FillRect(x, std::min(y, zero), bar - 0.6, std::abs(zero - y), color);
        std::string text = v->Format(g.label_places, true);
        if (labels == kStraight) {
          double ty = value >= 0 ? y - label_h - 1 : y + 1;
          c.Text(text, kValueLabel, x - 4, ty, bar + 8, Align::kCenter);
        } else if (labels == kUpright) {
          double anchor_x = x + (bar - 0.6) / 2;
          if (value >= 0) {
            c.RotatedText(text, kValueLabel, anchor_x, y - 2, 90, false, label_width);
          } else {
            c.RotatedText(text, kValueLabel, anchor_x, y + 2, 90, true, label_width);
          }
        }
      } else {
        if (previous) c.Line(previous->first, previous->second, center, y, 1.6, color);
        previous = {center, y};
      }
    }
    if (!bars && c.drawing()) {  // markers over the line
      for (size_t i = 0; i < g.categories.size(); ++i) {
        if (!g.values[k][i]) continue;
        double cx = left + slot * (static_cast<double>(i) + 0.5), cy = Y(NumberValue(*g.values[k][i]));
        cairo_t* cr = c.cr();
        cairo_new_path(cr);
        cairo_arc(cr, cx, cy, 2.4, 0, 2 * M_PI);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, color.r, color.g, color.b);
        cairo_set_line_width(cr, 1.2);
        cairo_stroke(cr);
      }
    }
  }
  c.Advance(kChartHeight);
}

}  // namespace readside::render::pdf
