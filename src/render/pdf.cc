#include "render/pdf.h"

#include <cairo-pdf.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "render/cell_text.h"
#include "render/pdf_internal.h"

namespace readside::render {
namespace pdf {

Canvas::Canvas(cairo_t* cr, bool draw, int total_pages, std::string footer,
               std::string running_head)
    : cr_(cr),
      draw_(draw),
      total_pages_(total_pages),
      footer_(std::move(footer)),
      running_head_(std::move(running_head)) {
  // Points as Pango's unit (72 dpi), no hinting: the measuring pass and the drawing pass
  // see the same metrics, and the text scales as vectors.
  context_ = pango_font_map_create_context(pango_cairo_font_map_get_default());
  pango_cairo_context_set_resolution(context_, 72);
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(context_, options);
  cairo_font_options_destroy(options);
}

Canvas::~Canvas() {
  for (auto& [font, layout] : layouts_) g_object_unref(layout);
  g_object_unref(context_);
}

PangoLayout* Canvas::LayoutFor(const TextStyle& style) {
  auto it = layouts_.find(style.font);
  if (it != layouts_.end()) return it->second;
  PangoLayout* layout = pango_layout_new(context_);
  PangoFontDescription* desc = pango_font_description_from_string(style.font);
  pango_layout_set_font_description(layout, desc);
  pango_font_description_free(desc);
  pango_layout_set_single_paragraph_mode(layout, TRUE);
  layouts_.emplace(style.font, layout);
  return layout;
}

void Canvas::SetText(PangoLayout* layout, std::string_view text) {
  // A row is one line, and no id may reorder or hide what follows it (cell_text.h).
  std::string safe;
  if (MakeSafeText(text, LineBreaks::kSpace, &safe)) text = safe;
  pango_layout_set_text(layout, text.data(), static_cast<int>(text.size()));
}

double Canvas::Measure(std::string_view text, const TextStyle& style) {
  PangoLayout* layout = LayoutFor(style);
  pango_layout_set_width(layout, -1);
  pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_NONE);
  SetText(layout, text);
  PangoRectangle logical;
  pango_layout_get_extents(layout, nullptr, &logical);
  return static_cast<double>(logical.width) / PANGO_SCALE;
}

double Canvas::LineHeight(const TextStyle& style) {
  auto it = line_heights_.find(style.font);
  if (it != line_heights_.end()) return it->second;
  PangoLayout* layout = LayoutFor(style);
  pango_layout_set_width(layout, -1);
  pango_layout_set_text(layout, "Ag", 2);
  PangoRectangle logical;
  pango_layout_get_extents(layout, nullptr, &logical);
  double h = static_cast<double>(logical.height) / PANGO_SCALE;
  line_heights_.emplace(style.font, h);
  return h;
}

void Canvas::Text(std::string_view text, const TextStyle& style, double x, double y,
                  double width, Align align) {
  if (!draw_ || text.empty()) return;
  PangoLayout* layout = LayoutFor(style);
  pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
  pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_alignment(layout, align == Align::kRight    ? PANGO_ALIGN_RIGHT
                                     : align == Align::kCenter ? PANGO_ALIGN_CENTER
                                                               : PANGO_ALIGN_LEFT);
  SetText(layout, text);
  cairo_set_source_rgb(cr_, style.color.r, style.color.g, style.color.b);
  cairo_move_to(cr_, x, y);
  pango_cairo_show_layout(cr_, layout);
}

// Sets `layout` up for wrapped text of at most `max_lines` lines in `width`.
static void Wrap(PangoLayout* layout, double width, int max_lines, Align align) {
  pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
  pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_height(layout, -max_lines);
  pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_alignment(layout, align == Align::kRight    ? PANGO_ALIGN_RIGHT
                                     : align == Align::kCenter ? PANGO_ALIGN_CENTER
                                                               : PANGO_ALIGN_LEFT);
}

double Canvas::WrappedHeight(std::string_view text, const TextStyle& style, double width,
                             int max_lines) {
  PangoLayout* layout = LayoutFor(style);
  Wrap(layout, width, max_lines, Align::kLeft);
  SetText(layout, text);
  PangoRectangle logical;
  pango_layout_get_extents(layout, nullptr, &logical);
  pango_layout_set_height(layout, -1);
  return static_cast<double>(logical.height) / PANGO_SCALE;
}

void Canvas::WrappedText(std::string_view text, const TextStyle& style, double x, double y,
                         double width, int max_lines, Align align) {
  if (!draw_ || text.empty()) return;
  PangoLayout* layout = LayoutFor(style);
  Wrap(layout, width, max_lines, align);
  SetText(layout, text);
  cairo_set_source_rgb(cr_, style.color.r, style.color.g, style.color.b);
  cairo_move_to(cr_, x, y);
  pango_cairo_show_layout(cr_, layout);
  pango_layout_set_height(layout, -1);
}

void Canvas::RotatedText(std::string_view text, const TextStyle& style, double x, double y,
                         double degrees, bool anchor_end, double max_width) {
  if (!draw_ || text.empty()) return;
  double width = std::min(Measure(text, style), max_width);
  double h = LineHeight(style);
  cairo_save(cr_);
  cairo_translate(cr_, x, y);
  cairo_rotate(cr_, -degrees * M_PI / 180.0);
  Text(text, style, anchor_end ? -width : 0, -h / 2, width + 0.5,
       anchor_end ? Align::kRight : Align::kLeft);
  cairo_restore(cr_);
}

void Canvas::FillRect(double x, double y, double w, double h, Rgb color) {
  if (!draw_) return;
  cairo_set_source_rgb(cr_, color.r, color.g, color.b);
  cairo_rectangle(cr_, x, y, w, h);
  cairo_fill(cr_);
}

void Canvas::Line(double x0, double y0, double x1, double y1, double width, Rgb color) {
  if (!draw_) return;
  cairo_set_source_rgb(cr_, color.r, color.g, color.b);
  cairo_set_line_width(cr_, width);
  cairo_move_to(cr_, x0, y0);
  cairo_line_to(cr_, x1, y1);
  cairo_stroke(cr_);
}

bool Canvas::Need(double height) {
  if (y_ + height <= kBottom || y_ <= kTop) return false;
  NewPage();
  return true;
}

void Canvas::NewPage() {
  if (draw_) {
    DrawFooter();
    cairo_show_page(cr_);
  }
  ++page_;
  y_ = kTop;
  if (draw_) DrawRunningHead();
}

void Canvas::Finish() {
  if (draw_) DrawFooter();
}

void Canvas::DrawFooter() {
  const double rule = kBottom + 14;
  Line(kMarginX, rule, kPageWidth - kMarginX, rule, 0.5, kLightGrey);
  const double y = rule + 5;
  std::string pages = absl::StrCat("Page ", page_, " of ", total_pages_);
  double pages_width = Measure(pages, kSmall) + 2;
  Text(footer_, kSmall, kMarginX, y, kContentWidth - pages_width - 12);
  Text(pages, kSmall, kPageWidth - kMarginX - pages_width, y, pages_width, Align::kRight);
}

void Canvas::DrawRunningHead() {
  Text(running_head_, kSmall, kMarginX, 22, kContentWidth);
  Line(kMarginX, 34, kPageWidth - kMarginX, 34, 0.5, kLightGrey);
}

void SectionTitle(Canvas& c, std::string_view title, double keep_with) {
  static const TextStyle kTitle{"DejaVu Sans Bold 11.5", kBlack};
  const double h = c.LineHeight(kTitle);
  if (c.y() > kTop) c.Advance(14);
  c.Need(h + 5 + keep_with);
  c.Text(title, kTitle, kMarginX, c.y(), kContentWidth);
  c.Advance(h + 5);
}

}  // namespace pdf

namespace {

using pdf::Align;
using pdf::Canvas;
using pdf::kContentWidth;
using pdf::kMarginX;

// A parameter's name as a label like the other header fields: "compare" -> "Compare",
// "as_of" -> "As of".
std::string ParameterLabel(std::string name) {
  for (char& ch : name) {
    if (ch == '_') ch = ' ';
  }
  if (!name.empty() && name[0] >= 'a' && name[0] <= 'z')
    name[0] = static_cast<char>(name[0] - 'a' + 'A');
  return name;
}

// Title, then the parameters in two columns of "label  value".
void DrawHeader(Canvas& c, const report::Document& doc) {
  static const pdf::TextStyle kTitle{"DejaVu Sans Bold 17", pdf::kBlack};
  c.Text(doc.title.empty() ? "Report" : doc.title, kTitle, kMarginX, c.y(), kContentWidth);
  c.Advance(c.LineHeight(kTitle) + 8);
  if (doc.balanced && !*doc.balanced) {
    // The one reason the header's "Balanced  no" is not enough: it must not be missed.
    static const pdf::TextStyle kWarning{"DejaVu Sans Bold 9", {0.80, 0.24, 0.08}};
    c.Text(
        "Not balanced: assets differ from liabilities and equity, or lines are on unknown "
        "accounts",
        kWarning, kMarginX, c.y() - 3, kContentWidth);
    c.Advance(c.LineHeight(kWarning) + 5);
  }

  std::vector<std::pair<std::string, std::string>> fields = {
      {"Report", doc.report}, {"Type", doc.type}, {"Period", doc.period}};
  for (const auto& [name, value] : doc.parameters) fields.push_back({ParameterLabel(name), value});
  fields.push_back({"Organization", doc.organization_id});
  fields.push_back({"Currency", doc.currency});
  fields.push_back({"Generated at", report::GeneratedAtText(doc)});
  fields.push_back({"Store position", std::to_string(doc.position)});
  if (doc.balanced) fields.push_back({"Balanced", *doc.balanced ? "yes" : "no"});

  const double column = kContentWidth / 2, label_width = 78, row = 13;
  const size_t rows = (fields.size() + 1) / 2;
  for (size_t i = 0; i < fields.size(); ++i) {
    // Column-major: the first half on the left, so related fields read downwards.
    double x = kMarginX + (i < rows ? 0 : column);
    double y = c.y() + static_cast<double>(i % rows) * row;
    c.Text(fields[i].first, pdf::kSmall, x, y + 1, label_width - 4);
    c.Text(fields[i].second, pdf::kBody, x + label_width, y, column - label_width - 8);
  }
  c.Advance(static_cast<double>(rows) * row + 6);
  c.Line(kMarginX, c.y(), kMarginX + kContentWidth, c.y(), 0.75, pdf::kLightGrey);
  c.Advance(4);
}

// How KPI tiles are set: tiles per row and one value font for all of them, so the tiles of
// a row (and of the section) share a size.
struct KpiLayout {
  size_t per_row = 1;
  double width = 0;        // of a tile
  std::string value_font;  // Pango description
};

constexpr double kKpiGap = 8, kKpiTileHeight = 44, kKpiInset = 14;

// The most tiles per row (four at most) in which every value fits in one of the sizes 13,
// 11, 9.5 pt (the largest that fits them all); with fewer tiles the labels have room too.
// A value is never cut: when even one tile per row is too narrow at 9.5 pt, the size
// shrinks to what fits.
KpiLayout LayOutKpis(Canvas& c, const report::Section& s, const std::string& currency) {
  static constexpr double kSizes[] = {13, 11, 9.5};
  auto font = [](double size) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "DejaVu Sans Bold %.2f", size);
    return std::string(buf);
  };
  std::vector<std::string> values;
  for (const report::KpiItem& item : s.items) values.push_back(KpiText(item, currency));
  // Widest value at 13 pt (widths scale with the size) and widest label.
  const std::string f13 = font(kSizes[0]);
  const pdf::TextStyle style13{f13.c_str(), pdf::kBlack};
  double widest = 0, widest_label = 0;
  for (const std::string& v : values) widest = std::max(widest, c.Measure(v, style13));
  for (const report::KpiItem& item : s.items) {
    widest_label = std::max(widest_label, c.Measure(item.label, pdf::kSmall));
  }
  KpiLayout l;
  const size_t most = std::min<size_t>(4, std::max<size_t>(1, s.items.size()));
  for (size_t n = most; n >= 1; --n) {
    l.per_row = n;
    l.width = (kContentWidth - kKpiGap * static_cast<double>(n - 1)) / static_cast<double>(n);
    const double inner = l.width - kKpiInset;
    const bool labels_fit = widest_label <= inner;
    for (double size : kSizes) {
      // 0.5 pt to spare: the measuring and the drawing layout may round differently.
      if (widest * size / kSizes[0] <= inner - 0.5 && (labels_fit || n == 1)) {
        l.value_font = font(size);
        return l;
      }
    }
    if (n == 1) break;
  }
  // One tile per row and still too wide: whatever size fits.
  const double inner = l.width - kKpiInset;
  l.value_font = font(std::max(4.0, kSizes[0] * (inner - 0.5) / std::max(widest, 1.0) * 0.98));
  return l;
}

// KPI tiles, up to four a row; fewer when the values need the room.
void DrawKpis(Canvas& c, const report::Section& s, const std::string& currency) {
  const KpiLayout l = LayOutKpis(c, s, currency);
  const pdf::TextStyle value_style{l.value_font.c_str(), pdf::kBlack};
  static const pdf::TextStyle kLargest{"DejaVu Sans Bold 13", pdf::kBlack};
  // Smaller values sit on the largest size's baseline.
  const double baseline_shift = (c.LineHeight(kLargest) - c.LineHeight(value_style)) * 0.8;
  const double w = l.width;
  pdf::SectionTitle(c, s.title, kKpiTileHeight);
  for (size_t i = 0; i < s.items.size(); i += l.per_row) {
    c.Need(kKpiTileHeight);
    for (size_t k = 0; k < l.per_row && i + k < s.items.size(); ++k) {
      const report::KpiItem& item = s.items[i + k];
      double x = kMarginX + static_cast<double>(k) * (w + kKpiGap);
      c.FillRect(x, c.y(), w, kKpiTileHeight, pdf::kStripe);
      c.FillRect(x, c.y(), 2.5, kKpiTileHeight, pdf::kPalette[0]);
      c.Text(item.label, pdf::kSmall, x + 9, c.y() + 7, w - kKpiInset);
      // A little slack in the box: the value was measured to fit and is never to be cut.
      c.Text(KpiText(item, currency), value_style, x + 9, c.y() + 19 + baseline_shift,
             w - kKpiInset + 4);
    }
    c.Advance(kKpiTileHeight + kKpiGap);
  }
  if (s.items.empty()) {
    c.Text("No figures", pdf::kSmall, kMarginX, c.y(), kContentWidth);
    c.Advance(c.LineHeight(pdf::kSmall));
  }
}

void DrawDocument(Canvas& c, const report::Document& doc, pdf::LayoutCache& cache) {
  DrawHeader(c, doc);
  for (const report::Section& s : doc.sections) {
    switch (s.kind) {
      case report::SectionKind::kKpis: DrawKpis(c, s, doc.currency); break;
      case report::SectionKind::kTable: pdf::DrawTable(c, s, cache); break;
      case report::SectionKind::kChart:
        pdf::SectionTitle(c, s.title, pdf::ChartHeight());
        pdf::DrawChart(c, s);
        break;
    }
  }
  c.Finish();
}

cairo_status_t Append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// cairo wants "YYYY-MM-DDThh:mm:ssZ" without fractions.
std::string PdfDate(const report::Document& doc) {
  std::string t = report::GeneratedAtText(doc);
  size_t dot = t.find('.');
  if (dot != std::string::npos) t = t.substr(0, dot) + "Z";
  return t;
}

}  // namespace

absl::StatusOr<std::string> ToPdf(const report::Document& doc) {
  std::string out;
  cairo_surface_t* surface =
      cairo_pdf_surface_create_for_stream(Append, &out, pdf::kPageWidth, pdf::kPageHeight);
  std::string title = doc.title, date = PdfDate(doc);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "readside");
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, date.c_str());
  cairo_t* cr = cairo_create(surface);

  std::string footer = absl::StrCat("Generated ", report::GeneratedAtText(doc), " \u00b7 position ",
                                    doc.position);
  std::string head = doc.title;
  for (const std::string& part : {doc.organization_id, doc.period}) {
    if (!part.empty()) absl::StrAppend(&head, " \u00b7 ", part);
  }
  pdf::LayoutCache cache;
  int pages = 0;
  {
    Canvas measure(cr, /*draw=*/false, 0, footer, head);
    DrawDocument(measure, doc, cache);
    pages = measure.page();
  }
  {
    Canvas draw(cr, /*draw=*/true, pages, footer, head);
    DrawDocument(draw, doc, cache);
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(absl::StrCat("pdf: ", cairo_status_to_string(status)));
  }
  return out;
}

}  // namespace readside::render
