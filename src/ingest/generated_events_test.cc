// The simulator and the contract agree: every clean simulated event passes the real parser,
// and a noisy stream is rejected exactly where the simulator broke it.

#include <gtest/gtest.h>

#include "event/parser.h"
#include "sim/generator.h"

namespace readside {
namespace {

TEST(GeneratedEventsTest, EveryCleanSimulatedEventIsValid) {
  sim::GeneratorOptions o;
  o.seed = 11;
  o.total_events = 60'000;
  o.out_of_order_fraction = 0.1;
  sim::Generator gen(o);
  event::EventParser parser;
  event::Event ev;
  std::vector<event::FieldError> errors;
  std::string line;
  int64_t ts;
  std::vector<int> seen(static_cast<size_t>(event::EventType::kCount), 0);
  size_t n = 0;
  while (gen.Next(&line, &ts)) {
    ++n;
    ASSERT_TRUE(parser.ParseOne(line, &ev, &errors))
        << line << "\n" << errors[0].field << ": " << errors[0].message;
    EXPECT_EQ(ev.timestamp_micros, ts);
    ++seen[static_cast<size_t>(ev.type)];
  }
  EXPECT_EQ(n, 60'000u);
  EXPECT_EQ(seen[0], 0) << "no unknown types in a clean stream";
  for (size_t t = 1; t < seen.size(); ++t) {
    EXPECT_GT(seen[t], 0) << event::GetTypeSpec(static_cast<event::EventType>(t)).name;
  }
}

TEST(GeneratedEventsTest, MalformedLinesAreRejectedAndTheRestAccepted) {
  sim::GeneratorOptions o;
  o.seed = 12;
  o.total_events = 20'000;
  o.malformed_fraction = 0.05;
  sim::Generator gen(o);
  event::EventParser parser;
  event::Event ev;
  std::vector<event::FieldError> errors;
  std::string line;
  int64_t ts;
  size_t rejected = 0;
  while (gen.Next(&line, &ts)) {
    if (!parser.ParseOne(line, &ev, &errors)) {
      ++rejected;
      EXPECT_FALSE(errors.empty());
    }
  }
  EXPECT_GT(rejected, 20'000 * 0.03);
  EXPECT_LT(rejected, 20'000 * 0.07);
}

}  // namespace
}  // namespace readside
