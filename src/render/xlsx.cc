#include "render/xlsx.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "render/cell_text.h"
#include "render/xlsx_internal.h"

namespace readside::render {
namespace xlsx {

Formats Formats::Create(lxw_workbook* wb) {
  Formats f;
  f.title = workbook_add_format(wb);
  format_set_bold(f.title);
  format_set_font_size(f.title, 14);
  f.bold = workbook_add_format(wb);
  format_set_bold(f.bold);
  f.header = workbook_add_format(wb);
  format_set_bold(f.header);
  format_set_bottom(f.header, LXW_BORDER_THIN);
  format_set_bg_color(f.header, 0xE7EEF7);
  f.header_right = workbook_add_format(wb);
  format_set_bold(f.header_right);
  format_set_bottom(f.header_right, LXW_BORDER_THIN);
  format_set_bg_color(f.header_right, 0xE7EEF7);
  format_set_align(f.header_right, LXW_ALIGN_RIGHT);
  f.left = workbook_add_format(wb);
  format_set_align(f.left, LXW_ALIGN_LEFT);
  f.label = workbook_add_format(wb);
  format_set_font_color(f.label, 0x595959);

  using report::ColumnType;
  auto number_format = [](ColumnType t) -> const char* {
    switch (t) {
      case ColumnType::kMoney:
      case ColumnType::kNumber: return "#,##0.00";
      case ColumnType::kInteger: return "#,##0";
      case ColumnType::kPercent: return "0.0\"%\"";
      case ColumnType::kDate: return "yyyy-mm-dd";
      case ColumnType::kString: break;
    }
    return nullptr;
  };
  for (int t = 0; t < 6; ++t) {
    const char* num = number_format(static_cast<ColumnType>(t));
    // Text cells get no format: libxlsxwriter 1.1.4 looks every cell's format up by hashing
    // it when the sheet is written, about a tenth of the time of a large sheet.
    f.cell[t] = num != nullptr ? workbook_add_format(wb) : nullptr;
    f.total[t] = workbook_add_format(wb);
    format_set_bold(f.total[t]);
    format_set_top(f.total[t], LXW_BORDER_THIN);
    if (num != nullptr) {
      format_set_num_format(f.cell[t], num);
      format_set_num_format(f.total[t], num);
    }
  }
  return f;
}

std::string SheetNames::Take(std::string_view wanted) {
  std::string base;
  for (char c : wanted) {
    bool bad = c == '[' || c == ']' || c == ':' || c == '*' || c == '?' || c == '/' || c == '\\' ||
               (static_cast<unsigned char>(c) < 0x20);
    base += bad ? '_' : c;
  }
  while (!base.empty() && (base.front() == '\'' || base.front() == ' ')) base.erase(0, 1);
  while (!base.empty() && (base.back() == '\'' || base.back() == ' ')) base.pop_back();
  if (base.empty()) base = "Sheet";
  // Excel counts UTF-16 units; cut at a code point so that the name stays valid UTF-8.
  auto cut = [](const std::string& s, size_t units) {
    size_t used = 0, i = 0;
    while (i < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
      size_t need = len == 4 ? 2 : 1;
      if (used + need > units) break;
      used += need;
      i += len;
    }
    std::string out = s.substr(0, i);
    while (!out.empty() && (out.back() == '\'' || out.back() == ' ')) out.pop_back();
    return out;
  };
  for (int n = 1;; ++n) {
    std::string suffix = n == 1 ? "" : absl::StrCat(" (", n, ")");
    std::string name = cut(base, 31 - suffix.size()) + suffix;
    std::string lower = absl::AsciiStrToLower(name);
    if (lower == "history") continue;  // reserved by Excel
    bool taken = false;
    for (const std::string& t : taken_lower_) taken |= t == lower;
    if (taken) continue;
    taken_lower_.push_back(lower);
    return name;
  }
}

void Errors::Check(lxw_error e, std::string_view what) {
  if (e == LXW_NO_ERROR || !status_.ok()) return;
  status_ = absl::InternalError("xlsx: " + std::string(what) + ": " + lxw_strerror(e));
}

std::string CellString(std::string_view text) {
  std::string safe;  // controls and bidi overrides as U+FFFD (cell_text.h)
  if (MakeSafeText(text, LineBreaks::kKeep, &safe)) text = safe;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    // "_x0041_" in a cell means "A" to Excel (OOXML's escape of a character); the text
    // "_x0041_" is written with its underscore escaped.
    bool hex4 = i + 6 < text.size() && text[i] == '_' && text[i + 1] == 'x' && text[i + 6] == '_' &&
                std::all_of(text.begin() + i + 2, text.begin() + i + 6,
                            [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
    out += hex4 ? std::string_view("_x005F_") : text.substr(i, 1);
  }
  constexpr size_t kMax = 32767;
  if (out.size() <= kMax) return out;
  size_t end = kMax;
  while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
  out.resize(end);
  return out;
}

}  // namespace xlsx

namespace {

using xlsx::Errors;
using xlsx::Formats;

// The parameters sheet: one "name | value" row per header field and parameter, then the
// KPI sections as "label | value | unit" rows.
class ParametersSheet {
 public:
  ParametersSheet(lxw_worksheet* ws, const Formats& f, Errors* errors)
      : ws_(ws), f_(f), errors_(errors) {}

  void Write(const report::Document& doc) {
    Text(0, 0, doc.title.empty() ? "Report" : doc.title, f_.title);
    row_ = 2;
    Field("Report", doc.report);
    Field("Type", doc.type);
    Field("Period", doc.period);
    for (const auto& [name, value] : doc.parameters) Field(name, value);
    Field("Organization", doc.organization_id);
    Field("Currency", doc.currency);
    Field("Generated at", report::GeneratedAtText(doc));
    Label("Store position");
    if (doc.position <= (uint64_t{1} << 53)) {
      errors_->Check(worksheet_write_number(ws_, row_, 1, static_cast<double>(doc.position),
                                            f_.left),
                     "position");
    } else {
      Text(row_, 1, std::to_string(doc.position), nullptr);
    }
    ++row_;
    if (doc.balanced) {
      Label("Balanced");
      errors_->Check(worksheet_write_boolean(ws_, row_++, 1, *doc.balanced, nullptr), "balanced");
    }
    for (const report::Section& s : doc.sections) {
      if (s.kind == report::SectionKind::kKpis) Kpis(s, doc.currency);
    }
    worksheet_set_column(ws_, 0, 0, Width(label_width_), nullptr);
    worksheet_set_column(ws_, 1, 1, Width(value_width_), nullptr);
    worksheet_set_column(ws_, 2, 2, 10, nullptr);
  }

 private:
  static double Width(int chars) { return chars < 10 ? 10 : chars > 80 ? 80 : chars + 2; }

  void Text(lxw_row_t r, lxw_col_t c, std::string_view text, lxw_format* format) {
    std::string s(xlsx::CellString(text));
    errors_->Check(worksheet_write_string(ws_, r, c, s.c_str(), format), "parameters sheet");
  }
  void Label(std::string_view name) {
    Text(row_, 0, name, f_.label);
    label_width_ = std::max(label_width_, DisplayWidth(name));
  }
  void Field(std::string_view name, std::string_view value) {
    Label(name);
    Text(row_++, 1, value, nullptr);
    value_width_ = std::max(value_width_, DisplayWidth(value));
  }
  void Kpis(const report::Section& s, std::string_view currency) {
    ++row_;
    Text(row_++, 0, s.title.empty() ? s.id : s.title, f_.bold);
    for (const report::KpiItem& item : s.items) {
      Label(item.label);
      int type = static_cast<int>(KpiType(item, currency));
      errors_->Check(worksheet_write_number(ws_, row_, 1, NumberValue(item.value), f_.cell[type]),
                     "kpi");
      value_width_ = std::max(value_width_, DisplayWidth(KpiText(item, currency)));
      // A percentage's format already shows "%".
      if (!item.unit.empty() && item.unit != "%") Text(row_, 2, item.unit, f_.label);
      ++row_;
    }
  }

  lxw_worksheet* ws_;
  const Formats& f_;
  Errors* errors_;
  lxw_row_t row_ = 0;
  int label_width_ = 0, value_width_ = 0;
};

std::string TempDir(const XlsxOptions& options) {
  if (!options.tmpdir.empty()) return options.tmpdir;
  const char* env = std::getenv("TMPDIR");
  return env != nullptr && *env != '\0' ? env : "/tmp";
}

// A unique file name in `dir`, created empty (mkstemps) and removed when this goes away.
class TempFile {
 public:
  static absl::StatusOr<TempFile> Create(const std::string& dir) {
    std::string path = dir + "/readside-report-XXXXXX.xlsx";
    int fd = mkstemps(path.data(), 5);
    if (fd < 0) {
      return absl::UnavailableError(
          absl::StrCat("xlsx: cannot create a temporary file in ", dir, ": ", strerror(errno)));
    }
    close(fd);
    return TempFile(std::move(path));
  }
  TempFile(TempFile&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

absl::StatusOr<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return absl::UnavailableError(absl::StrCat("xlsx: cannot read ", path));
  }
  return std::move(bytes).str();
}

bool WantsConstantMemory(const report::Document& doc, const XlsxOptions& options) {
  for (const report::Section& s : doc.sections) {
    if (s.kind == report::SectionKind::kTable && s.rows.size() >= options.constant_memory_rows) {
      return true;
    }
  }
  return false;
}

// Adds every sheet to `wb`. Errors are collected in *errors; the workbook is closed by the
// caller either way (closing is what frees it).
void WriteWorkbook(const report::Document& doc, lxw_workbook* wb, Errors* errors) {
  std::string title = doc.title, company = doc.organization_id;
  lxw_doc_properties properties = {};
  properties.title = title.data();
  properties.company = company.data();
  properties.created = static_cast<time_t>(doc.generated_at_micros / 1000000);
  errors->Check(workbook_set_properties(wb, &properties), "properties");

  Formats formats = Formats::Create(wb);
  xlsx::SheetNames names;
  std::string params_name = names.Take("Parameters");
  lxw_worksheet* params = workbook_add_worksheet(wb, params_name.c_str());
  if (params == nullptr) return errors->Check(LXW_ERROR_MEMORY_MALLOC_FAILED, "add sheet");
  ParametersSheet(params, formats, errors).Write(doc);

  for (const report::Section& s : doc.sections) {
    if (s.kind == report::SectionKind::kKpis) continue;
    std::string name = names.Take(s.title.empty() ? s.id : s.title);
    lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
    if (ws == nullptr) return errors->Check(LXW_ERROR_SHEETNAME_ALREADY_USED, name);
    if (s.kind == report::SectionKind::kTable) {
      xlsx::WriteTableSheet(s, ws, formats, errors);
    } else {
      xlsx::WriteChartSheet(s, wb, ws, name, formats, errors);
    }
  }
  worksheet_activate(params);
}

}  // namespace

absl::StatusOr<std::string> ToXlsx(const report::Document& doc, const XlsxOptions& options) {
  std::string dir = TempDir(options);
  absl::StatusOr<TempFile> file = TempFile::Create(dir);
  if (!file.ok()) return file.status();

  lxw_workbook_options wb_options = {};
  wb_options.constant_memory = WantsConstantMemory(doc, options) ? LXW_TRUE : LXW_FALSE;
  wb_options.tmpdir = dir.data();
  lxw_workbook* wb = workbook_new_opt(file->path().c_str(), &wb_options);
  if (wb == nullptr) return absl::InternalError("xlsx: cannot create the workbook");

  Errors errors;
  WriteWorkbook(doc, wb, &errors);
  lxw_error closed = workbook_close(wb);  // writes the file and frees the workbook
  if (!errors.status().ok()) return errors.status();
  if (closed != LXW_NO_ERROR) {
    return absl::InternalError(absl::StrCat("xlsx: writing the workbook: ", lxw_strerror(closed)));
  }
  return ReadAll(file->path());
}

}  // namespace readside::render
