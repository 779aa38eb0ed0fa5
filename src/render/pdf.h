#pragma once
// PDF export of a report (../shared/spec/reports.md "Export") with cairo's PDF surface and
// Pango: A4 portrait; the title and a block of the parameters (report, type, period, each
// parameter, organization, currency, generated at, store position, balanced) on top; then
// the sections in order — KPI tiles; tables paginated with their header row repeated on every
// page and a bold totals row, cells cut with an ellipsis when wider than their column,
// numbers right-aligned (money and number "1,234.50", integer "1,234", percent "12.5 %");
// charts as vectors (bar: grouped columns with gridlines, value labels and a legend for
// several series; line: lines with markers), category labels rotated or thinned so that they
// never overlap. Every page's footer says "Generated <time> · position <n>" and
// "Page n of m" (the document is laid out once to count the pages, then drawn).
//
// Text uses "DejaVu Sans" and fontconfig's fallback per glyph (WenQuanYi Micro Hei for CJK),
// so any Unicode renders; cairo embeds a subset of every font used.
// Thread-safety: safe to call from any thread (Pango's default font map is per thread; the
// first call on a thread loads the fontconfig configuration).

#include <string>

#include "absl/status/statusor.h"
#include "report/document.h"

namespace readside::render {

// On success the bytes of the PDF. On failure Internal with cairo's message.
absl::StatusOr<std::string> ToPdf(const report::Document& doc);

}  // namespace readside::render
