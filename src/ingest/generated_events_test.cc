// The simulator and the contract agree: every clean simulated event passes the real parser,
// and a noisy stream is rejected exactly where the simulator broke it.

#include <gtest/gtest.h>

#include <functional>

#include "event/parser.h"
#include "sim/generator.h"

namespace readside {
namespace {

// Parses every line the simulator produces; calls check(ok, event, errors, timestamp).
void ParseStream(const sim::GeneratorOptions& options,
                 const std::function<void(bool, const event::Event&,
                                          const std::vector<event::FieldError>&, int64_t)>& check) {
  sim::Generator gen(options);
  event::EventParser parser;
  event::Event ev;
  std::vector<event::FieldError> errors;
  std::string line;
  int64_t ts;
  while (gen.Next(&line, &ts)) {
    bool ok = parser.ParseOne(line, &ev, &errors);
    SCOPED_TRACE(line);
    check(ok, ev, errors, ts);
  }
}

TEST(GeneratedEventsTest, EveryCleanSimulatedEventIsValid) {
  std::vector<int> seen(static_cast<size_t>(event::EventType::kCount), 0);
  size_t n = 0;
  ParseStream({.seed = 11, .total_events = 60'000, .out_of_order_fraction = 0.1},
              [&](bool ok, const event::Event& ev, const auto& errors, int64_t ts) {
                ++n;
                ASSERT_TRUE(ok) << errors[0].field << ": " << errors[0].message;
                EXPECT_EQ(ev.timestamp_micros, ts);
                ++seen[static_cast<size_t>(ev.type)];
              });
  EXPECT_EQ(n, 60'000u);
  EXPECT_EQ(seen[0], 0) << "no unknown types in a clean stream";
  for (size_t t = 1; t < seen.size(); ++t) {
    EXPECT_GT(seen[t], 0) << event::GetTypeSpec(static_cast<event::EventType>(t)).name;
  }
}

TEST(GeneratedEventsTest, MalformedLinesAreRejectedAndTheRestAccepted) {
  size_t rejected = 0;
  ParseStream({.seed = 12, .total_events = 20'000, .malformed_fraction = 0.05},
              [&](bool ok, const event::Event&, const auto& errors, int64_t) {
                if (ok) return;
                ++rejected;
                EXPECT_FALSE(errors.empty());
              });
  EXPECT_GT(rejected, 20'000 * 0.03);
  EXPECT_LT(rejected, 20'000 * 0.07);
}

}  // namespace
}  // namespace readside
