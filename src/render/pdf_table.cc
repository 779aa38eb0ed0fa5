// Tables in the PDF: column widths fitted to the content and the page, rows paginated with
// the header repeated on every page, a bold totals row.
//
// Numbers are never cut: number and date columns keep their natural width, header labels
// wrap (those of number and date columns to two lines before any text is cut, up to three
// lines in all), text columns give way next (their cells end in an ellipsis), and a table
// too wide even then is set in a smaller size (8.5, 7.5, 6.5 pt, then as small as its
// numbers need to fit, down to 4 pt; only below that are numbers cut).
#include <algorithm>
#include <cstdio>
#include <numeric>

#include "render/cell_text.h"
#include "render/pdf_internal.h"

namespace readside::render::pdf {
namespace {

constexpr double kPad = 4;             // inside a cell, left and right
constexpr double kMinTextColumn = 56;  // a text column is not squeezed below this
constexpr size_t kCandidates = 6;      // widest-looking cells measured per column
constexpr int kHeaderLines = 3;

// The sizes a table is tried in, largest first; then smaller as needed, down to kMinSize.
constexpr double kSizes[] = {8.5, 7.5, 6.5};
constexpr double kMinSize = 4;

struct TableFonts {
  TextStyle body, bold;
};
TableFonts FontsOf(const TableLayout& l) {
  return {{l.body_font.c_str(), kBlack}, {l.bold_font.c_str(), kBlack}};
}
void SetSize(TableLayout* l, double size) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "DejaVu Sans %.2f", size);
  l->body_font = buf;
  std::snprintf(buf, sizeof buf, "DejaVu Sans Bold %.2f", size);
  l->bold_font = buf;
}

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

// The widest word of a header label (the label wraps between words).
double LongestWord(Canvas& c, const std::string& label, const TextStyle& style) {
  double widest = 0;
  size_t start = 0;
  while (start <= label.size()) {
    size_t end = label.find(' ', start);
    if (end == std::string::npos) end = label.size();
    widest = std::max(widest, c.Measure(std::string_view(label).substr(start, end - start), style));
    start = end + 1;
  }
  return widest;
}

// The narrowest width that holds `label` on at most two lines broken between words.
double TwoLineWidth(Canvas& c, const std::string& label, const TextStyle& style) {
  double best = c.Measure(label, style);
  for (size_t space = label.find(' '); space != std::string::npos;
       space = label.find(' ', space + 1)) {
    std::string_view head = std::string_view(label).substr(0, space);
    std::string_view tail = std::string_view(label).substr(space + 1);
    best = std::min(best, std::max(c.Measure(head, style), c.Measure(tail, style)));
  }
  return best;
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

// Natural widths in `fonts`: the widest cell or the whole label, plus padding. Floors:
// number and date columns keep their widest cell and wrap their label between words; text
// columns may shrink to `min_text` (not below their label's widest word, up to their
// natural width).
void NaturalWidths(Canvas& c, const report::Section& t, const TableFonts& fonts, double min_text,
                   std::vector<double>* natural, std::vector<double>* floor) {
  const size_t n = t.columns.size();
  natural->assign(n, 0);
  floor->assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const std::string& label = t.columns[i].label;
    double word = LongestWord(c, label, fonts.bold) + 2 * kPad + 1;
    double widest = 0;
    for (const std::string& text : Candidates(t, i)) {
      widest = std::max(widest, c.Measure(text, fonts.bold));  // the totals are bold
    }
    widest += 2 * kPad + 1;
    (*natural)[i] = std::max(widest, c.Measure(label, fonts.bold) + 2 * kPad + 1);
    (*floor)[i] = IsText(t.columns[i].type)
                      ? std::min((*natural)[i], std::max(min_text, word))
                      : std::max(widest, word);
  }
}

// Spreads spare room over the text columns (or all columns when there is no text column).
std::vector<double> Spread(const report::Section& t, std::vector<double> widths) {
  const double total = std::accumulate(widths.begin(), widths.end(), 0.0);
  double text_total = 0;
  for (size_t i = 0; i < widths.size(); ++i) text_total += IsText(t.columns[i].type) ? widths[i] : 0;
  const double spare = kContentWidth - total;
  for (size_t i = 0; i < widths.size(); ++i) {
    double share = text_total > 0 ? (IsText(t.columns[i].type) ? widths[i] / text_total : 0)
                                  : widths[i] / total;
    widths[i] += spare * share;
  }
  return widths;
}

double HeaderHeight(Canvas& c, const report::Section& t, const TableLayout& l) {
  const TextStyle bold = FontsOf(l).bold;
  double lines = 1;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    double h = c.WrappedHeight(t.columns[i].label, bold, l.widths[i] - 2 * kPad, kHeaderLines);
    lines = std::max(lines, h / c.LineHeight(bold));
  }
  return lines * c.LineHeight(bold) + 6;
}

TableLayout LayOut(Canvas& c, const report::Section& t) {
  TableLayout l;
  std::vector<double> natural, floor;
  auto try_size = [&](double size, double min_text) {
    SetSize(&l, size);
    NaturalWidths(c, t, FontsOf(l), min_text, &natural, &floor);
    return std::accumulate(floor.begin(), floor.end(), 0.0);
  };
  bool fits = false;
  for (double size : kSizes) {
    if ((fits = try_size(size, kMinTextColumn) <= kContentWidth)) break;
  }
  if (!fits) {  // text columns give way further, then the size shrinks to what fits
    double smallest = kSizes[std::size(kSizes) - 1];
    double need = try_size(smallest, 0);
    if (need > kContentWidth) try_size(std::max(kMinSize, smallest * kContentWidth / need * 0.98), 0);
  }
  const double total = std::accumulate(natural.begin(), natural.end(), 0.0);
  if (total <= kContentWidth) {
    l.widths = Spread(t, natural);
  } else {
    // Too wide on one line: the long labels of number and date columns wrap to two lines
    // before a text column is cut, and a header that does not have to wrap does not (the
    // smallest savings given back first).
    const TableFonts fonts = FontsOf(l);
    std::vector<double> narrow = natural;
    for (size_t i = 0; i < narrow.size(); ++i) {
      if (IsText(t.columns[i].type)) continue;
      narrow[i] = std::max(
          floor[i],
          std::min(natural[i], TwoLineWidth(c, t.columns[i].label, fonts.bold) + 2 * kPad + 1));
    }
    double spare = kContentWidth - std::accumulate(narrow.begin(), narrow.end(), 0.0);
    if (spare >= 0) {
      std::vector<size_t> order(narrow.size());
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return natural[a] - narrow[a] < natural[b] - narrow[b];
      });
      for (size_t i : order) {
        const double saved = natural[i] - narrow[i];
        if (saved > 0 && saved <= spare) {
          narrow[i] = natural[i];
          spare -= saved;
        }
      }
      l.widths = Spread(t, narrow);
    } else {
      l.widths = Squeeze(narrow, floor);
    }
  }
  l.row_height = c.LineHeight(FontsOf(l).body) + 5;
  l.header_height = HeaderHeight(c, t, l);
  return l;
}

void HeaderRow(Canvas& c, const report::Section& t, const TableLayout& l) {
  c.FillRect(kMarginX, c.y(), kContentWidth, l.header_height, kHeaderFill);
  double x = kMarginX;
  for (size_t i = 0; i < l.widths.size(); ++i) {
    // Labels sit on the header's bottom line, like the cells below them.
    const TextStyle style = FontsOf(l).bold;
    double h = c.WrappedHeight(t.columns[i].label, style, l.widths[i] - 2 * kPad, kHeaderLines);
    c.WrappedText(t.columns[i].label, style, x + kPad, c.y() + l.header_height - 3 - h,
                  l.widths[i] - 2 * kPad, kHeaderLines,
                  IsNumeric(t.columns[i].type) ? Align::kRight : Align::kLeft);
    x += l.widths[i];
  }
  c.Advance(l.header_height);
}

void Row(Canvas& c, const report::Section& t, const std::vector<report::Cell>& cells,
         const TableLayout& l, const TextStyle& style, bool stripe) {
  if (c.drawing()) {
    if (stripe) c.FillRect(kMarginX, c.y(), kContentWidth, l.row_height, kStripe);
    const double text_y = c.y() + (l.row_height - c.LineHeight(style)) / 2;
    double x = kMarginX;
    for (size_t i = 0; i < l.widths.size() && i < cells.size(); ++i) {
      report::ColumnType type = t.columns[i].type;
      c.Text(CellText(cells[i], type), style, x + kPad, text_y, l.widths[i] - 2 * kPad,
             IsNumeric(type) ? Align::kRight : Align::kLeft);
      x += l.widths[i];
    }
  }
  c.Advance(l.row_height);
}

// A new page continuing table `t`: a small "(continued)" title and the header again.
void Continue(Canvas& c, const report::Section& t, const TableLayout& l) {
  c.NewPage();
  c.Text(t.title + " (continued)", kSmall, kMarginX, c.y(), kContentWidth);
  c.Advance(c.LineHeight(kSmall) + 3);
  HeaderRow(c, t, l);
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
  if (t.columns.empty()) {
    SectionTitle(c, t.title, 0);
    return;
  }
  auto [it, fresh] = cache.tables.try_emplace(&t);
  if (fresh) it->second = LayOut(c, t);
  const TableLayout& l = it->second;
  const TableFonts fonts = FontsOf(l);

  const size_t first_rows = std::min<size_t>(t.rows.size(), 3);
  SectionTitle(c, t.title, l.header_height + l.row_height * static_cast<double>(first_rows + 1));
  HeaderRow(c, t, l);
  if (t.rows.empty()) {
    static const TextStyle kNoRows{"DejaVu Sans Oblique 8.5", kGrey};
    c.Text("No rows", kNoRows, kMarginX + kPad, c.y() + 3, kContentWidth - 2 * kPad);
    c.Advance(l.row_height);
  }
  for (size_t r = 0; r < t.rows.size(); ++r) {
    if (c.Remaining() < l.row_height) Continue(c, t, l);
    Row(c, t, t.rows[r], l, fonts.body, r % 2 == 1);
  }
  if (!t.totals.empty()) {
    if (c.Remaining() < l.row_height + 1) Continue(c, t, l);
    c.Line(kMarginX, c.y() + 0.5, kMarginX + kContentWidth, c.y() + 0.5, 0.9, kGrey);
    c.Advance(1);
    Row(c, t, TotalsCells(t), l, fonts.bold, false);
  } else {
    c.Line(kMarginX, c.y(), kMarginX + kContentWidth, c.y(), 0.5, kLightGrey);
  }
}

}  // namespace readside::render::pdf
