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
// The same, written into `buffer` (the body is its front, the rest is scratch): an exporter
// that keeps its buffer between batches neither allocates nor clears one per batch.
std::string_view EncodeOtlpJson(const std::vector<std::pair<std::string, std::string>>& resource,
                                std::span<const std::unique_ptr<SpanData>> spans,
                                std::string* buffer);

}  // namespace readside::trace
