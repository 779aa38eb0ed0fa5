#pragma once
// The PDF renderer's page model, shared by pdf.cc (document, header, KPIs, footer),
// pdf_table.cc and pdf_chart.cc. Includes cairo and pango: only for src/render's .cc files.
//
// A document is laid out twice with the same code: a measuring pass (drawing() false) that
// only moves the cursor and breaks pages, to learn the page count for "Page n of m", then
// the drawing pass. Everything that decides a page break must therefore depend only on
// measurements, never on whether the pass draws.
// Thread-safety: a Canvas belongs to one rendering on one thread.

#include <cairo.h>
#include <pango/pangocairo.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "report/document.h"

namespace readside::render::pdf {

// A4 portrait in points, and the frame the content flows in.
constexpr double kPageWidth = 595.28;
constexpr double kPageHeight = 841.89;
constexpr double kMarginX = 42;
constexpr double kTop = 46;         // content starts here (a running head sits above on pages 2+)
constexpr double kBottom = 800;     // content ends here; the footer sits below
constexpr double kContentWidth = kPageWidth - 2 * kMarginX;

struct Rgb {
  double r, g, b;
};
constexpr Rgb kBlack{0.12, 0.12, 0.14};
constexpr Rgb kGrey{0.42, 0.44, 0.48};
constexpr Rgb kLightGrey{0.86, 0.87, 0.89};
constexpr Rgb kStripe{0.965, 0.97, 0.98};
constexpr Rgb kHeaderFill{0.905, 0.933, 0.969};
// Series colours (colour-blind friendly, distinct in grey print).
constexpr Rgb kPalette[] = {{0.16, 0.40, 0.70}, {0.93, 0.49, 0.19}, {0.20, 0.60, 0.35},
                            {0.55, 0.35, 0.70}, {0.80, 0.20, 0.25}, {0.45, 0.45, 0.45}};

enum class Align { kLeft, kCenter, kRight };

// A font (Pango description, e.g. "DejaVu Sans Bold 9"; fontconfig falls back per glyph, to
// WenQuanYi Micro Hei for CJK) and a colour.
struct TextStyle {
  const char* font;
  Rgb color;
};
inline const TextStyle kBody{"DejaVu Sans 8.5", kBlack};
inline const TextStyle kBodyBold{"DejaVu Sans Bold 8.5", kBlack};
inline const TextStyle kSmall{"DejaVu Sans 7.5", kGrey};
inline const TextStyle kSmallDark{"DejaVu Sans 7", kBlack};

class Canvas {
 public:
  // `footer` is the left footer text; `running_head` heads pages 2+. `total_pages` is 0 in
  // the measuring pass.
  Canvas(cairo_t* cr, bool draw, int total_pages, std::string footer, std::string running_head);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  bool drawing() const { return draw_; }
  cairo_t* cr() { return cr_; }
  int page() const { return page_; }
  double y() const { return y_; }
  void Advance(double dy) { y_ += dy; }
  double Remaining() const { return kBottom - y_; }
  // Starts a new page unless `height` fits below the cursor. True when it started one.
  bool Need(double height);
  void NewPage();
  // Ends the last page (its footer).
  void Finish();

  // Logical width of `text` on one line, in points.
  double Measure(std::string_view text, const TextStyle& style);
  // Height of one line of `style`.
  double LineHeight(const TextStyle& style);
  // Draws `text` on one line with its top at y inside [x, x + width], aligned, cut with an
  // ellipsis when wider. Line breaks and tabs show as spaces. No-op in the measuring pass.
  void Text(std::string_view text, const TextStyle& style, double x, double y, double width,
            Align align = Align::kLeft);
  // Height of `text` wrapped (at word, else character boundaries) to `width`, at most
  // `max_lines` lines.
  double WrappedHeight(std::string_view text, const TextStyle& style, double width,
                       int max_lines);
  // Draws `text` wrapped like WrappedHeight, its top at y; the last line ends in an ellipsis
  // when the text needs more lines. No-op in the measuring pass.
  void WrappedText(std::string_view text, const TextStyle& style, double x, double y,
                   double width, int max_lines, Align align);
  // Draws `text` rotated by `degrees` (counter-clockwise, around its anchor): the anchor is
  // the end of the text (rotated labels hanging from a point) when `anchor_end`, else its
  // start; vertically centred on the anchor.
  void RotatedText(std::string_view text, const TextStyle& style, double x, double y,
                   double degrees, bool anchor_end, double max_width);
  void FillRect(double x, double y, double w, double h, Rgb color);
  void Line(double x0, double y0, double x1, double y1, double width, Rgb color);

 private:
  PangoLayout* LayoutFor(const TextStyle& style);
  void SetText(PangoLayout* layout, std::string_view text);
  void DrawFooter();
  void DrawRunningHead();

  cairo_t* cr_;
  bool draw_;
  int total_pages_;
  std::string footer_, running_head_;
  PangoContext* context_ = nullptr;
  std::map<std::string, PangoLayout*> layouts_;
  std::map<std::string, double> line_heights_;
  int page_ = 1;
  double y_ = kTop;
};

// How a table is set: its fonts (Pango descriptions), column widths and heights. Computed
// in the measuring pass and kept for the drawing pass.
struct TableLayout {
  std::string body_font, bold_font;
  std::vector<double> widths;
  double row_height = 0, header_height = 0;
};

// Cached per document across both passes.
struct LayoutCache {
  std::map<const report::Section*, TableLayout> tables;
};

// Section title (bold, with space above) kept together with `keep_with` points of content.
void SectionTitle(Canvas& c, std::string_view title, double keep_with);

void DrawTable(Canvas& c, const report::Section& table, LayoutCache& cache);
void DrawChart(Canvas& c, const report::Section& chart);
// The height DrawChart uses (title excluded).
double ChartHeight();

}  // namespace readside::render::pdf
