// Tables in the PDF: column widths fitted to the content and the page, rows paginated with
// the header repeated on every page, a bold totals row.
#include <algorithm>
#include <numeric>

#include "render/cell_text.h"
#include "render/pdf_internal.h"

namespace readside::render::pdf {
namespace {

constexpr double kPad = 4;            // inside a cell, left and right
constexpr double kRowHeight = 14.5;
constexpr double kHeaderHeight = 17;
constexpr double kMinTextColumn = 56;  // a text column is not squeezed below this
constexpr size_t kCandidates = 6;      // widest-looking cells measured per column

bool IsText(report::ColumnType t) { return t == report::ColumnType::kString; }

// The `kCandidates` texts of column `c` that look widest (by characters), to measure.
std::vector<std::string> Candidates(const report::Section& t, size_t c) {
  std::vector<std::pair<int, std::string>> best;
  auto consider = [&](const std::vector<report::Cell>& row) {
    if (c >= row.size() || std::holds_alternative<std::monostate>(row[c])) return;
    std::string text = CellText(row[c], t.columns[c].type);
    int width = DisplayWidth(text);
    if (best.size() == kCandidates && width <= best.back().first) return;
    best.emplace_back(width, std::move(text));
    std::sort(best.begin(), best.end(), [](auto& a, auto& b) { return a.first > b.first; });
    if (best.size() > kCandidates) best.pop_back();
  };
  for (const auto& row : t.rows) consider(row);
  consider(t.totals);
  std::vector<std::string> out;
  for (auto& [width, text] : best) out.push_back(std::move(text));
  return out;
}

// Widths summing to the content width: the widest text columns are cut to a common cap
// first (so one long note column gives way before a short name column does), never below
// their floor; if the floors alone are too wide, everything scales down.
std::vector<double> Squeeze(const std::vector<double>& natural, const std::vector<double>& floor) {
  auto width_at = [&](double cap) {
    double sum = 0;
    for (size_t i = 0; i < natural.size(); ++i) {
      sum += std::max(floor[i], std::min(natural[i], cap));
    }
    return sum;
  };
  std::vector<double> widths(natural.size());
  if (width_at(0) > kContentWidth) {
    double sum = std::accumulate(floor.begin(), floor.end(), 0.0);
    for (size_t i = 0; i < natural.size(); ++i) widths[i] = floor[i] * kContentWidth / sum;
    return widths;
  }
  double lo = 0, hi = *std::max_element(natural.begin(), natural.end());
  for (int k = 0; k < 40; ++k) {
    double mid = (lo + hi) / 2;
    (width_at(mid) > kContentWidth ? hi : lo) = mid;
  }
  for (size_t i = 0; i < natural.size(); ++i) {
    widths[i] = std::max(floor[i], std::min(natural[i], lo));
  }
  return widths;
}

// Natural widths, then fitted to the content width: extra room goes to the text columns;
// when too wide, text columns shrink first (their cells get an ellipsis), then all.
std::vector<double> FitColumns(Canvas& c, const report::Section& t) {
  const size_t n = t.columns.size();
  std::vector<double> natural(n), floor(n);
  for (size_t i = 0; i < n; ++i) {
    double header = c.Measure(t.columns[i].label, kBodyBold);
    double widest = 0;
    for (const std::string& text : Candidates(t, i)) {
      widest = std::max(widest, c.Measure(text, kBodyBold));  // totals are bold
    }
    natural[i] = std::max(header, widest) + 2 * kPad + 1;
    floor[i] = IsText(t.columns[i].type) ? std::min(natural[i], kMinTextColumn) : natural[i];
  }
  const double total = std::accumulate(natural.begin(), natural.end(), 0.0);
  if (total <= kContentWidth) {
    std::vector<double> widths = natural;
    double text_total = 0;
    for (size_t i = 0; i < n; ++i) text_total += IsText(t.columns[i].type) ? natural[i] : 0;
    for (size_t i = 0; i < n; ++i) {
      double share = text_total > 0 ? (IsText(t.columns[i].type) ? natural[i] / text_total : 0)
                                     : natural[i] / total;
      widths[i] += (kContentWidth - total) * share;
    }
    return widths;
  }
  return Squeeze(natural, floor);
}

void HeaderRow(Canvas& c, const report::Section& t, const std::vector<double>& widths) {
  c.FillRect(kMarginX, c.y(), kContentWidth, kHeaderHeight, kHeaderFill);
  const double text_y = c.y() + (kHeaderHeight - c.LineHeight(kBodyBold)) / 2;
  double x = kMarginX;
  for (size_t i = 0; i < widths.size(); ++i) {
    c.Text(t.columns[i].label, kBodyBold, x + kPad, text_y, widths[i] - 2 * kPad,
           IsNumeric(t.columns[i].type) ? Align::kRight : Align::kLeft);
    x += widths[i];
  }
  c.Advance(kHeaderHeight);
}

void Row(Canvas& c, const report::Section& t, const std::vector<report::Cell>& cells,
         const std::vector<double>& widths, const TextStyle& style, bool stripe) {
  if (c.drawing()) {
    if (stripe) c.FillRect(kMarginX, c.y(), kContentWidth, kRowHeight, kStripe);
    const double text_y = c.y() + (kRowHeight - c.LineHeight(style)) / 2;
    double x = kMarginX;
    for (size_t i = 0; i < widths.size() && i < cells.size(); ++i) {
      report::ColumnType type = t.columns[i].type;
      c.Text(CellText(cells[i], type), style, x + kPad, text_y, widths[i] - 2 * kPad,
             IsNumeric(type) ? Align::kRight : Align::kLeft);
      x += widths[i];
    }
  }
  c.Advance(kRowHeight);
}

// A new page continuing table `t`: a small "(continued)" title and the header again.
void Continue(Canvas& c, const report::Section& t, const std::vector<double>& widths) {
  c.NewPage();
  c.Text(t.title + " (continued)", kSmall, kMarginX, c.y(), kContentWidth);
  c.Advance(c.LineHeight(kSmall) + 3);
  HeaderRow(c, t, widths);
}

std::vector<report::Cell> TotalsCells(const report::Section& t) {
  std::vector<report::Cell> totals = t.totals;
  totals.resize(t.columns.size());
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (!IsText(t.columns[i].type)) continue;
    if (std::holds_alternative<std::monostate>(totals[i])) totals[i] = std::string("Total");
    break;
  }
  return totals;
}

}  // namespace

void DrawTable(Canvas& c, const report::Section& t, LayoutCache& cache) {
  auto [it, fresh] = cache.column_widths.try_emplace(&t);
  if (fresh) it->second = FitColumns(c, t);
  const std::vector<double>& widths = it->second;

  const size_t first_rows = std::min<size_t>(t.rows.size(), 3);
  SectionTitle(c, t.title, kHeaderHeight + kRowHeight * static_cast<double>(first_rows + 1));
  if (t.columns.empty()) return;
  HeaderRow(c, t, widths);
  if (t.rows.empty()) {
    static const TextStyle kNoRows{"DejaVu Sans Oblique 8.5", kGrey};
    c.Text("No rows", kNoRows, kMarginX + kPad, c.y() + 3, kContentWidth - 2 * kPad);
    c.Advance(kRowHeight);
  }
  for (size_t r = 0; r < t.rows.size(); ++r) {
    if (c.Remaining() < kRowHeight) Continue(c, t, widths);
    Row(c, t, t.rows[r], widths, kBody, r % 2 == 1);
  }
  if (!t.totals.empty()) {
    if (c.Remaining() < kRowHeight + 1) Continue(c, t, widths);
    c.Line(kMarginX, c.y() + 0.5, kMarginX + kContentWidth, c.y() + 0.5, 0.9, kGrey);
    c.Advance(1);
    Row(c, t, TotalsCells(t), widths, kBodyBold, false);
  } else {
    c.Line(kMarginX, c.y(), kMarginX + kContentWidth, c.y(), 0.5, kLightGrey);
  }
}

}  // namespace readside::render::pdf
