#pragma once
// Documents for the renderer tests and benchmarks: a sample with every section kind, Unicode
// names (German, Greek, CJK), cells that try formula injection or need CSV quoting, a table
// long enough to span several PDF pages and two charts; and a large single-table document.
// Thread-safety: pure functions.

#include <cstddef>

#include "report/document.h"

namespace readside::render::testing {

// The sample. Sections: "kpis"; "owners" (tricky cells, totals); "deals" (150 rows, totals);
// "trend" (bar, 12 months × 2 series); "count_trend" (line, 12 months × 1 series).
report::Document SampleDocument();

// A document with one table of `rows` rows and the columns customer (string), closed
// (date), owner (string), deals (integer), amount (money), margin (percent), with totals.
report::Document LargeTableDocument(size_t rows);

// Hard to lay out: a table of 14 columns with long texts and large amounts, and bar and
// line charts of 60 categories with long labels, three series and negative values.
report::Document CrowdedDocument();

}  // namespace readside::render::testing
