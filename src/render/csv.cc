#include "render/csv.h"

#include "absl/status/status.h"
#include "render/cell_text.h"

namespace readside::render {
namespace {

// Text of the form Decimal::ToString writes: -?digits(.digits)?. Such a cell is a number
// that happens to be text, and a "'" would change it; anything else starting with '-' or '+'
// could be read as a formula.
bool IsPlainNumber(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  size_t digits = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == digits) return false;
  if (i == s.size()) return true;
  if (s[i] != '.') return false;
  size_t fraction = ++i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i > fraction && i == s.size();
}

bool StartsFormula(std::string_view s) {
  if (s.empty()) return false;
  char c = s.front();
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

void AppendQuoted(std::string_view text, std::string* out) {
  bool quote = text.find_first_of("\",\r\n") != std::string_view::npos;
  if (!quote) {
    out->append(text);
    return;
  }
  out->push_back('"');
  for (char c : text) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendText(std::string_view text, std::string* out) {
  std::string safe;  // controls and bidi overrides as U+FFFD (cell_text.h)
  if (MakeSafeText(text, LineBreaks::kKeep, &safe)) text = safe;
  if (StartsFormula(text) && !IsPlainNumber(text)) {
    std::string prefixed = "'";
    prefixed += text;
    AppendQuoted(prefixed, out);
  } else {
    AppendQuoted(text, out);
  }
}

void AppendCell(const report::Cell& cell, std::string* out) {
  if (const auto* s = std::get_if<std::string>(&cell)) {
    AppendText(*s, out);
  } else if (const auto* d = std::get_if<report::Decimal>(&cell)) {
    out->append(d->ToString());  // digits, '-' and '.': never quoted, never prefixed
  }
}

void AppendRecord(const std::vector<report::Cell>& cells, size_t columns, std::string* out) {
  for (size_t i = 0; i < columns; ++i) {
    if (i > 0) out->push_back(',');
    if (i < cells.size()) AppendCell(cells[i], out);
  }
  out->append("\r\n");
}

// The totals record: the document's totals, with "Total" in the first string column the
// totals leave empty.
std::vector<report::Cell> TotalsRecord(const report::Section& table) {
  std::vector<report::Cell> totals = table.totals;
  totals.resize(table.columns.size());
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (table.columns[i].type != report::ColumnType::kString) continue;
    if (std::holds_alternative<std::monostate>(totals[i])) totals[i] = std::string("Total");
    break;
  }
  return totals;
}

}  // namespace

std::string CsvTextField(std::string_view text) {
  std::string out;
  AppendText(text, &out);
  return out;
}

absl::StatusOr<const report::Section*> CsvSection(const report::Document& doc,
                                                   std::string_view section_id) {
  if (section_id.empty()) {
    const report::Section* table = doc.Table();
    if (table == nullptr) {
      return absl::InvalidArgumentError("the report has no table section to export as CSV");
    }
    return table;
  }
  const report::Section* section = doc.Find(section_id);
  if (section == nullptr) {
    return absl::NotFoundError("the report has no section \"" + std::string(section_id) + "\"");
  }
  if (section->kind != report::SectionKind::kTable) {
    return absl::InvalidArgumentError("section \"" + std::string(section_id) + "\" is a " +
                                      std::string(report::SectionKindName(section->kind)) +
                                      ", not a table; CSV exports tables");
  }
  return section;
}

absl::StatusOr<std::string> ToCsv(const report::Document& doc, std::string_view section_id) {
  absl::StatusOr<const report::Section*> found = CsvSection(doc, section_id);
  if (!found.ok()) return found.status();
  const report::Section& table = **found;
  const size_t columns = table.columns.size();

  std::string out;
  out.reserve(64 + table.rows.size() * columns * 12);
  std::vector<report::Cell> header;
  header.reserve(columns);
  for (const report::Column& c : table.columns) header.emplace_back(c.label);
  AppendRecord(header, columns, &out);
  for (const auto& row : table.rows) AppendRecord(row, columns, &out);
  if (!table.totals.empty()) AppendRecord(TotalsRecord(table), columns, &out);
  return out;
}

}  // namespace readside::render
