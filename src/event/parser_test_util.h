#pragma once
// For the event component's tests: an envelope builder and the ParserTest fixture, which runs
// every input through the tape fast path and through the On-Demand reference alone and
// requires the same outcome (the same event, or the same errors).
// Thread-safety: test-only, single thread.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "event/event_diff.h"
#include "event/parser.h"

namespace readside::event {

// A valid event of `type` with `payload`; `extra` ("\"k\":v,") is inserted before data.
inline std::string Envelope(std::string_view type, std::string_view payload,
                            std::string_view extra = "") {
  std::string s = R"({"event_id":"e-1","event_type":")";
  s += type;
  s += R"(","organization_id":"acme-corp","timestamp":"2024-01-15T10:00:00Z","version":"1.0",)";
  s += R"("source_service":"erp-test",)";
  s += extra;
  s += R"("data":{"entity_id":"x-1","entity_type":"thing","action":"did","payload":)";
  s += payload;
  s += "}}";
  return s;
}

class ParserTest : public ::testing::Test {
 protected:
  ParserTest() : ParserTest(ParserOptions{}) {}
  // Both parsers with `options` (the reference without the tape).
  explicit ParserTest(ParserOptions options) : parser_(options), reference_(Reference(options)) {}
  static ParserOptions Reference(ParserOptions options) {
    options.tape = false;
    return options;
  }

  // Parses with the tape fast path (falling back to On-Demand) and checks that the reference
  // alone gives the same outcome: the same event, or the same errors.
  bool Parse(const std::string& json) {
    bool ok = parser_.ParseOne(json, &ev_, &errors_);
    Event ref;
    std::vector<FieldError> ref_errors;
    bool ref_ok = reference_.ParseOne(json, &ref, &ref_errors);
    EXPECT_EQ(ok, ref_ok) << json.substr(0, 200);
    if (ok && ref_ok) {
      if (ev_.event_id_assigned && ref.event_id_assigned) {  // two random UUIDs
        ref.json.replace(ref.json.find(ref.event_id), ref.event_id.size(), ev_.event_id);
        ref.event_id = ev_.event_id;
      }
      EXPECT_EQ(EventDiff(ev_, ref), "") << json.substr(0, 200);
    } else if (!ok && !ref_ok) {
      EXPECT_EQ(errors_.size(), ref_errors.size()) << json.substr(0, 200);
      for (size_t i = 0; i < std::min(errors_.size(), ref_errors.size()); ++i) {
        EXPECT_EQ(errors_[i].field, ref_errors[i].field);
        EXPECT_EQ(errors_[i].message, ref_errors[i].message);
      }
    }
    return ok;
  }
  // Expects a rejection naming `field` with a message containing `rule`.
  // With `prefix`, the error's field need only start with `field` (deep paths).
  void ExpectRejected(const std::string& json, std::string_view field, std::string_view rule,
                      bool prefix = false) {
    ASSERT_FALSE(Parse(json)) << json.substr(0, 200);
    bool found = false;
    std::string all;
    for (const FieldError& e : errors_) {
      all += e.field.substr(0, 40) + ": " + e.message + "; ";
      bool field_matches = prefix ? e.field.starts_with(field) : e.field == field;
      if (field_matches && e.message.find(rule) != std::string::npos) found = true;
    }
    EXPECT_TRUE(found) << "wanted " << field << " / " << rule << ", got " << all;
  }
  EventParser parser_;
  EventParser reference_;
  Event ev_;
  std::vector<FieldError> errors_;
};

}  // namespace readside::event
