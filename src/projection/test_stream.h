#pragma once
// Tests only: a store in a fresh temporary directory filled with events — simulated ones
// (sim::Generator) or written by hand — parsed and appended as ingest does.
// Thread-safety: one TestStore per test; Append may run beside readers of the store.

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "event/parser.h"
#include "gtest/gtest.h"
#include "sim/generator.h"
#include "store/event_store.h"

namespace readside::projection::testing {

class TestStore {
 public:
  TestStore() {
    static std::atomic<int> n{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("rs-projection-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    std::filesystem::remove_all(dir_);
    auto opened = store::EventStore::Open({.path = dir_.string(), .sync = false});
    EXPECT_TRUE(opened.ok()) << opened.status();
    if (opened.ok()) store_ = std::move(*opened);
  }
  ~TestStore() {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  store::EventStore* get() { return store_.get(); }

  // Appends the valid lines of `ndjson_lines` (the invalid are skipped); returns how many
  // were accepted.
  size_t Append(const std::vector<std::string>& lines) {
    event::EventParser parser;
    event::Event e;
    std::vector<event::FieldError> errors;
    store::AppendRequest request;
    for (const std::string& line : lines) {
      errors.clear();
      if (!parser.ParseOne(line, &e, &errors)) continue;
      request.events.push_back({e.organization_id, e.event_id, e.event_id_assigned, e.entity_id,
                                e.event_type, e.timestamp_micros, e.json});
    }
    auto outcomes = store_->Append(std::move(request));
    EXPECT_TRUE(outcomes.ok()) << outcomes.status();
    size_t accepted = 0;
    if (outcomes.ok()) {
      for (const store::AppendOutcome& o : *outcomes) {
        accepted += o.outcome == store::Outcome::kAccepted;
      }
    }
    return accepted;
  }

  // The lines of a simulated stream.
  static std::vector<std::string> Generated(sim::GeneratorOptions options) {
    sim::Generator generator(std::move(options));
    std::vector<std::string> lines;
    std::string line;
    int64_t ts;
    while (generator.Next(&line, &ts)) lines.push_back(line);
    return lines;
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::EventStore> store_;
};

// One event's JSON (no noise): `payload` is the payload object's JSON.
inline std::string EventJson(const std::string& org, const std::string& event_id,
                             const std::string& type, const std::string& entity_id,
                             const std::string& timestamp, const std::string& payload) {
  return R"({"event_id":")" + event_id + R"(","event_type":")" + type +
         R"(","organization_id":")" + org + R"(","timestamp":")" + timestamp +
         R"(","version":"1.0","source_service":"erp-test","data":{"entity_id":")" + entity_id +
         R"(","entity_type":"thing","action":"x","payload":)" + payload + "}}";
}

}  // namespace readside::projection::testing
