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

enum class Labels { kNone, kStraight, kUpright };

// Where everything of one chart goes.
struct Plot {
  Scale scale;
  double tick_width = 0;
  double left = 0, right = 0, top = 0, bottom = 0;  // the plotting area
  double slot = 0;                                  // width per category
  double bar = 0;                                   // width per bar
  Labels labels = Labels::kNone;
  double label_width = 0;  // widest value label
  double zero = 0;         // y of the value 0

  double Y(double v) const {
    return bottom - (v - scale.lo) / (scale.hi - scale.lo) * (bottom - top);
  }
  double Center(size_t i) const { return left + slot * (static_cast<double>(i) + 0.5); }
};

// Value labels over bars (not over bars of no height): straight when they fit the bar,
// upright (rotated 90°) when a line of text fits, else none. Sets plot->labels and
// plot->label_width; returns the room they need beyond the bars' ends.
double ChooseLabels(Canvas& c, const Grid& g, bool bars, Plot* plot) {
  if (!bars) return 4;
  bool any = false;
  for (const auto& row : g.values) {
    for (const auto& v : row) {
      if (!v || NumberValue(*v) == 0) continue;  // a bar of no height has no label
      any = true;
      plot->label_width =
          std::max(plot->label_width, c.Measure(v->Format(g.label_places, true), kValueLabel));
    }
  }
  const double h = c.LineHeight(kValueLabel);
  plot->labels = !any                                 ? Labels::kNone
                 : plot->label_width <= plot->bar - 1 ? Labels::kStraight
                 : h <= plot->bar - 0.5               ? Labels::kUpright
                                                      : Labels::kNone;
  return plot->labels == Labels::kStraight  ? h + 2
         : plot->labels == Labels::kUpright ? plot->label_width + 4
                                            : 4;
}

Plot LayOutPlot(Canvas& c, const report::Section& s, const Grid& g, double top, double legend,
                CategoryLayout* cats) {
  Plot p;
  p.scale = NiceScale(g.min, g.max);
  for (double v = p.scale.lo; v <= p.scale.hi + p.scale.step / 2; v += p.scale.step) {
    p.tick_width = std::max(p.tick_width, c.Measure(TickText(v, p.scale.decimals), kAxis));
  }
  p.left = kMarginX + p.tick_width + 6;
  p.right = kMarginX + kContentWidth - 2;
  p.slot = (p.right - p.left) / static_cast<double>(g.categories.size());
  p.bar = p.slot * 0.76 / static_cast<double>(std::max<size_t>(1, s.series.size()));
  *cats = LayoutCategories(c, g, p.slot);
  const double pad = ChooseLabels(c, g, s.chart != "line", &p);
  p.top = top + legend + (g.max > 0 ? pad : 4);
  p.bottom = top + kChartHeight - cats->height - (g.min < 0 ? pad : 0);
  p.zero = p.Y(std::clamp(0.0, p.scale.lo, p.scale.hi));
  return p;
}

void Axes(Canvas& c, const Grid& g, const Plot& p, const CategoryLayout& cats, double top) {
  const double axis_h = c.LineHeight(kAxis);
  for (double v = p.scale.lo; v <= p.scale.hi + p.scale.step / 2; v += p.scale.step) {
    c.Line(p.left, p.Y(v), p.right, p.Y(v), 0.4, kLightGrey);
    c.Text(TickText(v, p.scale.decimals), kAxis, kMarginX, p.Y(v) - axis_h / 2, p.tick_width,
           Align::kRight);
  }
  c.Line(p.left, p.zero, p.right, p.zero, 0.8, kGrey);
  const double y = top + kChartHeight - cats.height + 3;
  for (size_t i = 0; i < g.categories.size(); i += cats.every) {
    if (cats.rotated) {
      c.RotatedText(g.categories[i], kCategory, p.Center(i) + 2, y + 2, 45, true, cats.max_width);
    } else {
      c.Text(g.categories[i], kCategory, p.Center(i) - p.slot / 2, y, p.slot, Align::kCenter);
    }
  }
}

void Bars(Canvas& c, const Grid& g, const Plot& p, size_t k) {
  const Rgb color = kPalette[k % std::size(kPalette)];
  const double label_h = c.LineHeight(kValueLabel);
  for (size_t i = 0; i < g.categories.size(); ++i) {
    const auto& v = g.values[k][i];
    if (!v) continue;
    const double value = NumberValue(*v), y = p.Y(value);
    const double x = p.Center(i) - p.slot * 0.38 + p.bar * static_cast<double>(k);
    c.FillRect(x, std::min(y, p.zero), p.bar - 0.6, std::abs(p.zero - y), color);
    if (value == 0) continue;  // nothing to label: the zero line says it
    const std::string text = v->Format(g.label_places, true);
    if (p.labels == Labels::kStraight) {
      c.Text(text, kValueLabel, x - 4, value >= 0 ? y - label_h - 1 : y + 1, p.bar + 8,
             Align::kCenter);
    } else if (p.labels == Labels::kUpright) {  // reads upwards from the bar's end
      const double anchor_x = x + (p.bar - 0.6) / 2;
      c.RotatedText(text, kValueLabel, anchor_x, value >= 0 ? y - 2 : y + 2, 90, value < 0,
                    p.label_width);
    }
  }
}

void Line(Canvas& c, const Grid& g, const Plot& p, size_t k) {
  const Rgb color = kPalette[k % std::size(kPalette)];
  std::optional<std::pair<double, double>> previous;  // a missing point breaks the line
  for (size_t i = 0; i < g.categories.size(); ++i) {
    const auto& v = g.values[k][i];
    if (!v) {
      previous.reset();
      continue;
    }
    const double y = p.Y(NumberValue(*v));
    if (previous) c.Line(previous->first, previous->second, p.Center(i), y, 1.6, color);
    previous = {p.Center(i), y};
  }
  // Markers over the line, smaller where the points crowd, none where they would merge.
  const double radius = std::min(2.4, p.slot * 0.3);
  if (!c.drawing() || radius < 1.2) return;
  cairo_t* cr = c.cr();
  for (size_t i = 0; i < g.categories.size(); ++i) {
    if (!g.values[k][i]) continue;
    cairo_new_path(cr);
    cairo_arc(cr, p.Center(i), p.Y(NumberValue(*g.values[k][i])), radius, 0, 2 * M_PI);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, color.r, color.g, color.b);
    cairo_set_line_width(cr, 1.2);
    cairo_stroke(cr);
  }
}

}  // namespace

double ChartHeight() { return kChartHeight; }

void DrawChart(Canvas& c, const report::Section& s) {
  const Grid g = MakeGrid(s);
  if (g.categories.empty()) {
    c.Text("No data", kAxis, kMarginX, c.y(), kContentWidth);
    c.Advance(c.LineHeight(kAxis) + 4);
    return;
  }
  c.Need(kChartHeight);
  const double top = c.y();
  const double legend = Legend(c, s, top);
  CategoryLayout cats;
  const Plot plot = LayOutPlot(c, s, g, top, legend, &cats);
  Axes(c, g, plot, cats, top);
  for (size_t k = 0; k < g.values.size(); ++k) {
    if (s.chart == "line") {
      Line(c, g, plot, k);
    } else {
      Bars(c, g, plot, k);
    }
  }
  c.Advance(kChartHeight);
}

}  // namespace readside::render::pdf
