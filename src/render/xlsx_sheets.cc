// The table and chart sheets of the XLSX renderer (see xlsx.h for what each holds).
#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "render/cell_text.h"
#include "render/xlsx_internal.h"

namespace readside::render::xlsx {
namespace {

int TypeIndex(report::ColumnType t) { return static_cast<int>(t); }

// "YYYY-MM-DD" (years 1900..9999, which Excel can show) as a date; false otherwise.
bool ParseDate(std::string_view s, lxw_datetime* out) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  auto num = [&](size_t from, size_t len, int* v) {
    *v = 0;
    for (size_t i = from; i < from + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      *v = *v * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, m, d;
  if (!num(0, 4, &y) || !num(5, 2, &m) || !num(8, 2, &d)) return false;
  if (y < 1900 || m < 1 || m > 12 || d < 1 || d > 31) return false;
  *out = lxw_datetime{y, m, d, 0, 0, 0.0};
  return true;
}

void WriteText(lxw_worksheet* ws, lxw_row_t r, lxw_col_t c, std::string_view text,
               lxw_format* format, Errors* errors) {
  std::string s(CellString(text));
  errors->Check(worksheet_write_string(ws, r, c, s.c_str(), format), "cell");
}

void WriteCell(lxw_worksheet* ws, lxw_row_t r, lxw_col_t c, const report::Cell& cell,
               report::ColumnType type, lxw_format* format, Errors* errors) {
  if (const auto* d = std::get_if<report::Decimal>(&cell)) {
    errors->Check(worksheet_write_number(ws, r, c, NumberValue(*d), format), "cell");
  } else if (const auto* s = std::get_if<std::string>(&cell)) {
    lxw_datetime date;
    if (type == report::ColumnType::kDate && ParseDate(*s, &date)) {
      errors->Check(worksheet_write_datetime(ws, r, c, &date, format), "cell");
    } else {
      WriteText(ws, r, c, *s, format, errors);
    }
  } else if (format != nullptr) {
    worksheet_write_blank(ws, r, c, format);  // keeps the totals row's border
  }
}

// Characters the widest cell of each column takes as displayed. A number column's widest
// text is that of its largest or its most negative value, so only those two are formatted.
std::vector<int> ContentWidths(const report::Section& t) {
  const size_t n = t.columns.size();
  std::vector<int> widths(n, 0);
  std::vector<std::optional<report::Decimal>> low(n), high(n);
  auto measure = [&](const std::vector<report::Cell>& row) {
    for (size_t c = 0; c < n && c < row.size(); ++c) {
      if (const auto* s = std::get_if<std::string>(&row[c])) {
        widths[c] = std::max(widths[c], DisplayWidth(*s));
      } else if (const auto* d = std::get_if<report::Decimal>(&row[c])) {
        double v = NumberValue(*d);
        if (!low[c] || v < NumberValue(*low[c])) low[c] = *d;
        if (!high[c] || v > NumberValue(*high[c])) high[c] = *d;
      }
    }
  };
  for (const auto& row : t.rows) measure(row);
  measure(t.totals);
  for (size_t c = 0; c < n; ++c) {
    for (const auto& d : {low[c], high[c]}) {
      if (d) widths[c] = std::max(widths[c], static_cast<int>(FormatNumber(*d, t.columns[c].type).size()));
    }
    // The header also shows the autofilter's drop-down button (about 3 characters).
    widths[c] = std::max(widths[c], DisplayWidth(t.columns[c].label) + 3);
  }
  return widths;
}

}  // namespace

void WriteTableSheet(const report::Section& t, lxw_worksheet* ws, const Formats& f,
                     Errors* errors) {
  const lxw_col_t columns = static_cast<lxw_col_t>(t.columns.size());
  if (columns == 0) return;
  std::vector<int> widths = ContentWidths(t);
  for (lxw_col_t c = 0; c < columns; ++c) {
    double w = std::clamp(widths[c] + 2, 8, 60);
    errors->Check(worksheet_set_column(ws, c, c, w, nullptr), "column width");
  }
  for (lxw_col_t c = 0; c < columns; ++c) {
    // Over numbers and dates (Excel right-aligns both) the label is right-aligned too.
    bool right = IsNumeric(t.columns[c].type) || t.columns[c].type == report::ColumnType::kDate;
    WriteText(ws, 0, c, t.columns[c].label, right ? f.header_right : f.header, errors);
  }
  // Before the rows: in constant_memory mode ranges over flushed rows are refused.
  worksheet_freeze_panes(ws, 1, 0);
  // The filter covers header and rows, not the totals, so sorting leaves the totals last.
  const lxw_row_t last_row = static_cast<lxw_row_t>(t.rows.size());
  errors->Check(worksheet_autofilter(ws, 0, 0, last_row, columns - 1), "autofilter");
  // Printing: A4, as wide as one page, the header row on every page.
  worksheet_set_paper(ws, 9);
  worksheet_fit_to_pages(ws, 1, 0);
  errors->Check(worksheet_repeat_rows(ws, 0, 0), "print titles");

  lxw_row_t r = 1;
  for (const auto& row : t.rows) {
    for (lxw_col_t c = 0; c < columns && c < row.size(); ++c) {
      report::ColumnType type = t.columns[c].type;
      WriteCell(ws, r, c, row[c], type, f.cell[TypeIndex(type)], errors);
    }
    ++r;
  }
  if (!t.totals.empty()) {
    bool labelled = false;
    for (lxw_col_t c = 0; c < columns; ++c) {
      report::ColumnType type = t.columns[c].type;
      report::Cell cell = c < t.totals.size() ? t.totals[c] : report::Cell{};
      if (!labelled && type == report::ColumnType::kString) {
        labelled = true;
        if (std::holds_alternative<std::monostate>(cell)) cell = std::string("Total");
      }
      WriteCell(ws, r, c, cell, type, f.total[TypeIndex(type)], errors);
    }
  }
}

namespace {

// The chart's categories: every x of every series, in order of first appearance.
std::vector<std::string> Categories(const report::Section& s) {
  std::vector<std::string> xs;
  for (const report::ChartSeries& series : s.series) {
    for (const report::ChartPoint& p : series.points) {
      if (std::find(xs.begin(), xs.end(), p.x) == xs.end()) xs.push_back(p.x);
    }
  }
  return xs;
}

bool AllWhole(const report::Section& s) {
  for (const report::ChartSeries& series : s.series) {
    for (const report::ChartPoint& p : series.points) {
      if (p.y.ToString().find('.') != std::string::npos) return false;
    }
  }
  return true;
}

}  // namespace

void WriteChartSheet(const report::Section& s, lxw_workbook* wb, lxw_worksheet* ws,
                     const std::string& sheet_name, const Formats& f, Errors* errors) {
  std::vector<std::string> xs = Categories(s);
  lxw_format* number = f.cell[TypeIndex(AllWhole(s) ? report::ColumnType::kInteger
                                                    : report::ColumnType::kNumber)];
  // Row by row: in constant_memory mode a row is flushed once the next one is started.
  WriteText(ws, 0, 0, "Category", f.header, errors);
  for (size_t k = 0; k < s.series.size(); ++k) {
    lxw_col_t col = static_cast<lxw_col_t>(k + 1);
    WriteText(ws, 0, col, s.series[k].name, f.header_right, errors);
    worksheet_set_column(ws, col, col, std::clamp(DisplayWidth(s.series[k].name) + 3, 12, 40),
                         nullptr);
  }
  int x_width = 10;
  for (size_t i = 0; i < xs.size(); ++i) {
    const lxw_row_t row = static_cast<lxw_row_t>(i + 1);
    WriteText(ws, row, 0, xs[i], nullptr, errors);
    x_width = std::max(x_width, DisplayWidth(xs[i]) + 2);
    for (size_t k = 0; k < s.series.size(); ++k) {
      for (const report::ChartPoint& p : s.series[k].points) {
        if (p.x != xs[i]) continue;
        errors->Check(worksheet_write_number(ws, row, static_cast<lxw_col_t>(k + 1),
                                             NumberValue(p.y), number),
                      "chart data");
        break;
      }
    }
  }
  worksheet_set_column(ws, 0, 0, std::min(x_width, 40), nullptr);
  if (xs.empty() || s.series.empty()) return;  // nothing to draw; the data sheet says so

  lxw_chart* chart = workbook_add_chart(wb, s.chart == "line" ? LXW_CHART_LINE : LXW_CHART_COLUMN);
  std::string title = s.title;
  chart_title_set_name(chart, title.c_str());
  const lxw_row_t last = static_cast<lxw_row_t>(xs.size());
  for (size_t k = 0; k < s.series.size(); ++k) {
    lxw_col_t col = static_cast<lxw_col_t>(k + 1);
    lxw_chart_series* series = chart_add_series(chart, nullptr, nullptr);
    chart_series_set_categories(series, sheet_name.c_str(), 1, 0, last, 0);
    chart_series_set_values(series, sheet_name.c_str(), 1, col, last, col);
    chart_series_set_name_range(series, sheet_name.c_str(), 0, col);
    if (s.chart == "line") {
      chart_series_set_marker_type(series, LXW_CHART_MARKER_CIRCLE);
      chart_series_set_marker_size(series, 5);
    }
  }
  chart_axis_set_num_format(chart->y_axis, AllWhole(s) ? "#,##0" : "#,##0.00");
  chart_legend_set_position(chart, s.series.size() > 1 ? LXW_CHART_LEGEND_BOTTOM
                                                         : LXW_CHART_LEGEND_NONE);
  worksheet_set_paper(ws, 9);
  worksheet_set_landscape(ws);
  worksheet_fit_to_pages(ws, 1, 1);
  lxw_chart_options place = {};
  place.x_offset = 10;
  place.y_offset = 10;
  place.x_scale = 1.6;
  place.y_scale = 1.4;
  errors->Check(worksheet_insert_chart_opt(ws, 1, static_cast<lxw_col_t>(s.series.size() + 2),
                                           chart, &place),
                "chart");
}

}  // namespace readside::render::xlsx
