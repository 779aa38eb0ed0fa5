#pragma once
// The OTLP/HTTP JSON body of a batch of ended spans: an ExportTraceServiceRequest in the
// protobuf JSON mapping with OTLP's exceptions (trace and span ids as lowercase hex, not
// base64), i.e. {"resourceSpans":[{"resource":…,"scopeSpans":[{"scope":…,"spans":[…]}]}]}.
// 64-bit integers are strings, enums their numbers, empty fields are left out.
// Thread-safety: pure function.

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "trace/span_data.h"

namespace readside::trace {

// `resource` is the resource's string attributes in order (service.name first). Strings that
// are not valid UTF-8 get U+FFFD in place of each bad byte (a collector rejects the whole
// request otherwise).
std::string EncodeOtlpJson(const std::vector<std::pair<std::string, std::string>>& resource,
                           std::span<const std::unique_ptr<SpanData>> spans);

// Where a body is written: grown ahead of each piece and never zeroed (a std::string grown by
// resize writes zeros over what the encoder then overwrites: ~1 instruction a byte, for every
// batch larger than any before it). Kept between batches by an exporter, it neither allocates
// nor clears anything per batch once it has reached the largest batch's size.
class OtlpBuffer {
 public:
  char* data() { return data_.get(); }
  size_t capacity() const { return capacity_; }
  // Makes the capacity at least `n`, keeping the first `keep` bytes.
  void Reserve(size_t n, size_t keep);

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
};

// The same, written into `buffer` from its front; the body is valid until the buffer is
// written again.
std::string_view EncodeOtlpJson(const std::vector<std::pair<std::string, std::string>>& resource,
                                std::span<const std::unique_ptr<SpanData>> spans,
                                OtlpBuffer* buffer);

}  // namespace readside::trace
