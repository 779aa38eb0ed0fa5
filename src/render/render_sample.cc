// render_sample DIR [ROWS]: writes the sample report (sample_document.h) as DIR/sample.csv,
// DIR/sample.xlsx and DIR/sample.pdf, to look at (pdftoppm -png -r 80 DIR/sample.pdf DIR/p).
// With ROWS, also DIR/large.{csv,xlsx,pdf} of LargeTableDocument(ROWS).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "render/render.h"
#include "render/sample_document.h"

namespace {

int Write(const readside::report::Document& doc, const std::string& base) {
  using readside::render::Format;
  for (auto [format, ext] : {std::pair{Format::kCsv, "csv"}, std::pair{Format::kXlsx, "xlsx"},
                             std::pair{Format::kPdf, "pdf"}}) {
    auto out = readside::render::Render(doc, format);
    if (!out.ok()) {
      std::fprintf(stderr, "%s: %s\n", ext, out.status().ToString().c_str());
      return 1;
    }
    std::string path = base + "." + ext;
    std::ofstream(path, std::ios::binary) << out->bytes;
    std::printf("%s (%zu bytes)\n", path.c_str(), out->bytes.size());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: render_sample DIR [ROWS]\n");
    return 2;
  }
  std::string dir = argv[1];
  if (Write(readside::render::testing::SampleDocument(), dir + "/sample") != 0) return 1;
  if (Write(readside::render::testing::CrowdedDocument(), dir + "/crowded") != 0) return 1;
  if (argc > 2) {
    size_t rows = std::strtoul(argv[2], nullptr, 10);
    return Write(readside::render::testing::LargeTableDocument(rows), dir + "/large");
  }
  return 0;
}
