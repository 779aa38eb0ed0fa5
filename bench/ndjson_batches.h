#pragma once
// An NDJSON file cut into POST /events bodies of `batch` lines each (the last may be shorter),
// for the load generators (ingest_load, soak_load).

#include <cstddef>
#include <fstream>
#include <string>
#include <vector>

namespace readside::bench {

struct NdjsonBatches {
  std::vector<std::string> bodies;  // each ends with a newline
  std::vector<size_t> sizes;        // lines per body
  size_t total = 0;                 // lines in all
};

inline NdjsonBatches ReadNdjsonBatches(const std::string& file, size_t batch) {
  NdjsonBatches out;
  std::ifstream in(file);
  std::string line, body;
  size_t n = 0;
  while (std::getline(in, line)) {
    body += line;
    body.push_back('\n');
    ++out.total;
    if (++n == batch) {
      out.bodies.push_back(std::move(body));
      out.sizes.push_back(n);
      body.clear();
      n = 0;
    }
  }
  if (n) {
    out.bodies.push_back(std::move(body));
    out.sizes.push_back(n);
  }
  return out;
}

}  // namespace readside::bench
