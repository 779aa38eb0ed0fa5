#include "common/metrics.h"

#include <gtest/gtest.h>

namespace readside {
namespace {

TEST(HistogramTest, QuantilesComeFromBucketBounds) {
  Histogram h;
  for (int i = 0; i < 99; ++i) h.Observe(3);  // bucket (2, 4]
  h.Observe(1000);                            // bucket (512, 1024]
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.Quantile(0.5), 4.0);
  EXPECT_EQ(h.Quantile(0.99), 4.0);
  EXPECT_EQ(h.Quantile(1.0), 1024.0);
}

// Slow answers (an export of 5 s, a read waiting 20 s) get buckets of their own up to ~33.6 s,
// so a p99 of slow routes reads as what it is rather than as the last finite bound.
TEST(HistogramTest, SlowObservationsHaveBucketsUpToAboutHalfAMinute) {
  Histogram h;
  h.Observe(5'000'000);   // (4.19 s, 8.39 s]
  h.Observe(20'000'000);  // (16.8 s, 33.6 s]
  h.Observe(40'000'000);  // beyond: +Inf
  EXPECT_EQ(h.Quantile(0.34), 8388608.0);
  EXPECT_EQ(h.Quantile(0.67), 33554432.0);
  std::string text;
  h.Render("readside_h_seconds", "", &text);
  EXPECT_NE(text.find("readside_h_seconds_bucket{le=\"8.388608\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("readside_h_seconds_bucket{le=\"33.554432\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("readside_h_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("readside_h_seconds_count 3\n"), std::string::npos);
}

TEST(MetricsRegistryTest, RendersPrometheusText) {
  MetricsRegistry r;
  Counter c;
  c.Add(3);
  r.Add([&](std::string* out) { RenderCounter("readside_x_total", "x things", c.value(), out); });
  Histogram h;
  h.Observe(1);
  r.Add([&](std::string* out) { h.Render("readside_h_seconds", "route=\"a\"", out); });
  std::string text = r.Render();
  EXPECT_NE(text.find("# TYPE readside_x_total counter\nreadside_x_total 3\n"), std::string::npos);
  EXPECT_NE(text.find("readside_h_seconds_bucket{route=\"a\",le=\"+Inf\"} 1"), std::string::npos);
  EXPECT_NE(text.find("readside_h_seconds_count{route=\"a\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace readside
