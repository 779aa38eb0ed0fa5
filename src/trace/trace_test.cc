// Tests of trace context (traceparent parsing and formatting, ids), sampling, the inert span
// of a disabled tracer, and the OTLP JSON encoding. The exporter against a real HTTP server
// is in otlp_export_test.cc.
#include "trace/trace.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "trace/otlp_json.h"
#include "trace/span_data.h"
#include "trace/testing/fake_collector.h"

namespace readside::trace {
namespace {

constexpr std::string_view kValid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceparentTest, ParsesTheSpecificationsExample) {
  std::optional<SpanContext> c = ParseTraceparent(kValid);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->trace_id.hi, 0x4bf92f3577b34da6ULL);
  EXPECT_EQ(c->trace_id.lo, 0xa3ce929d0e0e4736ULL);
  EXPECT_EQ(c->span_id.value, 0x00f067aa0ba902b7ULL);
  EXPECT_TRUE(c->sampled());
  EXPECT_EQ(c->trace_id.Hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(c->span_id.Hex(), "00f067aa0ba902b7");
}

TEST(TraceparentTest, FormatRoundTrips) {
  EXPECT_EQ(FormatTraceparent(*ParseTraceparent(kValid)), kValid);
  std::string unsampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
  std::optional<SpanContext> c = ParseTraceparent(unsampled);
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->sampled());
  EXPECT_EQ(FormatTraceparent(*c), unsampled);
  for (int i = 0; i < 100; ++i) {
    SpanContext random{NewTraceId(), NewSpanId(), static_cast<uint8_t>(i % 2)};
    EXPECT_EQ(ParseTraceparent(FormatTraceparent(random)), random);
  }
}

TEST(TraceparentTest, RejectsMalformedVersion00) {
  const std::vector<std::string> malformed = {
      "",
      "00",
      std::string(kValid.substr(0, 54)),                          // one short
      std::string(kValid) + "-",                                  // 00 allows nothing after
      std::string(kValid) + "-extra",                             // extra field in 00
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // uppercase trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",  // uppercase parent id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",  // uppercase flags
      "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // uppercase version
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero parent id
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // wrong separator
      "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
      "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",  // misplaced dash
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",  // not hex
      "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
      "0-04bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",  // blank, not trimmed
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",   // short flags
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-701",  // short parent id
  };
  for (const std::string& h : malformed) {
    EXPECT_FALSE(ParseTraceparent(h).has_value()) << "\"" << h << "\"";
  }
}

TEST(TraceparentTest, FutureVersionsAreParsedAsFarAsVersion00Goes) {
  // Same length as 00: accepted.
  std::optional<SpanContext> c =
      ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->trace_id.Hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(c->sampled());
  // Further fields after a dash are ignored; only the sampled flag is kept.
  c = ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-what-ever");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->flags, SpanContext::kSampledFlag);
  // Rejected: no dash after the flags, too short, invalid ids, uppercase hex.
  EXPECT_FALSE(ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"));
  EXPECT_FALSE(ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"));
  EXPECT_FALSE(ParseTraceparent("01-00000000000000000000000000000000-00f067aa0ba902b7-01-x"));
  EXPECT_FALSE(ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
  EXPECT_FALSE(ParseTraceparent("01-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
}

TEST(TraceparentTest, IdsFromHexAreStrict) {
  EXPECT_TRUE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736").has_value());
  EXPECT_FALSE(TraceId::FromHex("4BF92F3577B34DA6A3CE929D0E0E4736").has_value());
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e473").has_value());
  EXPECT_FALSE(TraceId::FromHex(std::string(32, '0')).has_value());
  EXPECT_EQ(SpanId::FromHex("00f067aa0ba902b7")->value, 0x00f067aa0ba902b7ULL);
  EXPECT_FALSE(SpanId::FromHex(std::string(16, '0')).has_value());
}

TEST(TraceparentTest, CorrelationIdLinksOnlyWhenItIsATraceparent) {
  EXPECT_EQ(ContextFromCorrelationId(kValid), ParseTraceparent(kValid));
  EXPECT_FALSE(ContextFromCorrelationId("4bf92f3577b34da6a3ce929d0e0e4736").has_value());
  EXPECT_FALSE(ContextFromCorrelationId("0b6f3c2e-1d2e-4f00-9a7b-5c6d7e8f9a0b").has_value());
}

// Only the envelope's correlation_id is an event's: a data member of the same name (first in
// the text, or the only one) is not, nor a key inside a string value; whitespace is allowed.
TEST(TraceparentTest, CorrelationIdOfAnEventIsTheEnvelopesOnly) {
  const std::string id(kValid);
  EXPECT_EQ(CorrelationIdOfEventJson(R"({"event_id":"e","correlation_id":")" + id + R"("})"), id);
  EXPECT_EQ(CorrelationIdOfEventJson(
                R"({"data":{"correlation_id":"payload-id","n":[1,{"correlation_id":"x"}]},)"
                R"("correlation_id" : ")" + id + R"("})"),
            id);
  EXPECT_EQ(CorrelationIdOfEventJson(R"({"data":{"correlation_id":")" + id + R"("},"a":1})"), "");
  EXPECT_EQ(CorrelationIdOfEventJson(R"({"note":"\"correlation_id\":\"nope\"","b":2})"), "");
  EXPECT_EQ(CorrelationIdOfEventJson(R"({"correlation_id":null,"data":{}})"), "");
  EXPECT_EQ(CorrelationIdOfEventJson(R"({"correlation_id":"a\"b"})"), "");
  EXPECT_EQ(CorrelationIdOfEventJson(R"({"x":"y","correlation_id":"plain-uuid"})"), "plain-uuid");
  EXPECT_EQ(CorrelationIdOfEventJson(R"({"correlation_id":"unterminated)"), "");
  EXPECT_EQ(CorrelationIdOfEventJson(""), "");
}

TEST(IdTest, SpanAndTraceIdsAreUniqueAcrossThreads) {
  constexpr size_t kThreads = 4, kPerThread = 50'000;
  std::vector<std::vector<uint64_t>> spans(kThreads);
  std::vector<std::vector<TraceId>> traces(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < kPerThread; ++i) {
        spans[t].push_back(NewSpanId().value);
        traces[t].push_back(NewTraceId());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<uint64_t> span_ids;
  std::set<std::pair<uint64_t, uint64_t>> trace_ids;
  for (size_t t = 0; t < kThreads; ++t) {
    for (uint64_t id : spans[t]) {
      EXPECT_NE(id, 0u);
      span_ids.insert(id);
    }
    for (const TraceId& id : traces[t]) trace_ids.insert({id.hi, id.lo});
  }
  EXPECT_EQ(span_ids.size(), kThreads * kPerThread);
  EXPECT_EQ(trace_ids.size(), kThreads * kPerThread);
}

TEST(DisabledTracerTest, StartSpanIsInertAndCountsNothing) {
  absl::StatusOr<std::unique_ptr<Tracer>> tracer = Tracer::Create(TracerOptions{});
  ASSERT_TRUE(tracer.ok()) << tracer.status();
  EXPECT_FALSE((*tracer)->enabled());
  for (Tracer* t : {tracer->get(), &Tracer::Disabled()}) {
    Span root = t->StartSpan("query", {}, SpanKind::kServer);
    EXPECT_FALSE(root.recording());
    EXPECT_FALSE(root.context().valid());
    root.SetAttribute("readside.organization_id", "acme-corp");
    root.SetAttribute("readside.events", 3);
    root.SetStatus(SpanStatus::kError, "boom");
    root.End();
    // The incoming context passes through unchanged, so it can still be propagated.
    SpanContext parent = *ParseTraceparent(kValid);
    Span child = t->StartSpan("ingest", parent, SpanKind::kServer);
    EXPECT_FALSE(child.recording());
    EXPECT_EQ(child.context(), parent);
  }
  const TracerCounters& c = (*tracer)->counters();
  EXPECT_EQ(c.spans_started.value() + c.spans_exported.value() + c.spans_dropped.value() +
                c.export_failures.value() + c.batches_sent.value(),
            0u);
}

TEST(TracerOptionsTest, RejectsBadEndpointsAndLimits) {
  auto create = [](TracerOptions o) { return Tracer::Create(std::move(o)).status(); };
  EXPECT_TRUE(absl::IsInvalidArgument(create({.endpoint = "collector:4318"})));
  EXPECT_TRUE(absl::IsInvalidArgument(create({.endpoint = "ftp://collector/v1/traces"})));
  EXPECT_TRUE(absl::IsInvalidArgument(create({.endpoint = "http:///v1/traces"})));
  EXPECT_TRUE(absl::IsInvalidArgument(create({.sample_ratio = 1.5})));
  EXPECT_TRUE(absl::IsInvalidArgument(create({.sample_ratio = std::nan("")})));
  EXPECT_TRUE(absl::IsInvalidArgument(create({.max_batch_spans = 10, .max_queue_spans = 5})));
  EXPECT_TRUE(absl::IsInvalidArgument(
      create({.endpoint = "http://127.0.0.1:1/v1/traces", .headers = {"no colon"}})));
}

// An enabled tracer whose collector accepts everything (what it receives is checked in
// otlp_export_test.cc).
class SamplingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<testing::FakeCollector>> c = testing::FakeCollector::Start();
    ASSERT_TRUE(c.ok()) << c.status();
    collector_ = std::move(*c);
  }
  std::unique_ptr<Tracer> Make(double ratio) {
    absl::StatusOr<std::unique_ptr<Tracer>> t =
        Tracer::Create({.endpoint = collector_->url(), .sample_ratio = ratio});
    EXPECT_TRUE(t.ok()) << t.status();
    return std::move(*t);
  }
  std::unique_ptr<testing::FakeCollector> collector_;
};

TEST_F(SamplingTest, RatioOneRecordsEveryRootAndRatioZeroNone) {
  std::unique_ptr<Tracer> all = Make(1.0), none = Make(0.0);
  for (int i = 0; i < 1000; ++i) {
    Span a = all->StartSpan("a");
    EXPECT_TRUE(a.recording());
    EXPECT_TRUE(a.context().valid());
    EXPECT_TRUE(a.context().sampled());
    Span n = none->StartSpan("n");
    EXPECT_FALSE(n.recording());
    // Not recorded, but a trace of its own all the same: downstream sees "not sampled".
    EXPECT_TRUE(n.context().valid());
    EXPECT_FALSE(n.context().sampled());
  }
  EXPECT_EQ(all->counters().spans_started.value(), 1000u);
  EXPECT_EQ(none->counters().spans_started.value(), 0u);
}

TEST_F(SamplingTest, RatioSamplesThatShareOfRoots) {
  std::unique_ptr<Tracer> quarter = Make(0.25);
  int sampled = 0;
  for (int i = 0; i < 20'000; ++i) sampled += quarter->StartSpan("q").recording() ? 1 : 0;
  EXPECT_GT(sampled, 4000);  // 5000 expected; the standard deviation is ~61
  EXPECT_LT(sampled, 6000);
}

TEST_F(SamplingTest, ParentDecidesWhateverTheRatio) {
  std::unique_ptr<Tracer> none = Make(0.0), all = Make(1.0);
  SpanContext sampled = *ParseTraceparent(kValid);
  SpanContext unsampled = sampled;
  unsampled.flags = 0;

  Span child = none->StartSpan("apply", sampled);
  EXPECT_TRUE(child.recording());
  EXPECT_EQ(child.context().trace_id, sampled.trace_id);
  EXPECT_NE(child.context().span_id, sampled.span_id);
  EXPECT_TRUE(child.context().sampled());

  Span skipped = all->StartSpan("apply", unsampled);
  EXPECT_FALSE(skipped.recording());
  EXPECT_EQ(skipped.context().trace_id, sampled.trace_id);
  EXPECT_NE(skipped.context().span_id, sampled.span_id);
  EXPECT_FALSE(skipped.context().sampled());
  // Its children follow it.
  EXPECT_FALSE(all->StartSpan("store.commit", skipped.context()).recording());
  EXPECT_TRUE(none->StartSpan("store.commit", child.context()).recording());
}

TEST_F(SamplingTest, SpansAreMoveOnlyAndEndOnce) {
  std::unique_ptr<Tracer> tracer = Make(1.0);
  Span a = tracer->StartSpan("a");
  SpanContext context = a.context();
  Span b = std::move(a);
  EXPECT_FALSE(a.recording());  // NOLINT(bugprone-use-after-move): moved-from is inert
  EXPECT_TRUE(b.recording());
  EXPECT_EQ(b.context(), context);
  b.End();
  EXPECT_FALSE(b.recording());
  b.End();
  b.SetAttribute("late", true);
  Span c = tracer->StartSpan("c");
  c = tracer->StartSpan("d");  // ends "c"
  c.End();
  tracer->Shutdown(5000);
  EXPECT_EQ(tracer->counters().spans_started.value(), 3u);
  EXPECT_EQ(tracer->counters().spans_exported.value(), 3u);
  // Spans started after Shutdown record nothing.
  EXPECT_FALSE(tracer->StartSpan("after").recording());
}

std::string_view Str(simdjson::dom::element e) { return e.get_string().value(); }

TEST(OtlpJsonTest, EncodesEveryFieldInTheOtlpJsonMapping) {
  auto span = std::make_unique<SpanData>();
  span->context = *ParseTraceparent(kValid);
  span->parent_span_id = SpanId{0x1122334455667788ULL};
  span->SetName("POST");
  span->SetName("POST /events");  // renamed once routed
  span->kind = SpanKind::kServer;
  span->start_unix_nanos = 1'700'000'000'123'456'789;
  span->end_unix_nanos = 1'700'000'000'223'456'789;
  span->SetString("s", "first, longer than its replacement");
  span->SetString("s", "a\"b");
  span->SetInt("i", -9'007'199'254'740'993);
  span->SetDouble("d", 1.5);
  span->SetDouble("inf", HUGE_VAL);
  span->SetBool("b", true);
  span->SetString("bad", "x\xff\xc3");
  span->SetString("ctl", std::string_view("\x01\n\\\0", 4));
  span->SetString("mixed", "a plain start, then \"quoted\" and caf\xC3\xA9 \xE2\x82\xAC\t!");
  span->links = {SpanContext{TraceId{1, 2}, SpanId{3}, 1}};
  span->status = SpanStatus::kError;
  span->status_message = "store: disk full";
  auto root = std::make_unique<SpanData>();
  root->context = SpanContext{TraceId{5, 6}, SpanId{7}, 1};
  root->SetName("query");
  std::vector<std::unique_ptr<SpanData>> spans;
  spans.push_back(std::move(span));
  spans.push_back(std::move(root));

  std::string json =
      EncodeOtlpJson({{"service.name", "readside"}, {"service.instance.id", "n1"}}, spans);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json).value();
  simdjson::dom::element rs = doc["resourceSpans"].at(0).value();
  EXPECT_EQ(Str(rs["resource"]["attributes"].at(0)["key"].value()), "service.name");
  EXPECT_EQ(Str(rs["resource"]["attributes"].at(0)["value"]["stringValue"].value()), "readside");
  EXPECT_EQ(Str(rs["resource"]["attributes"].at(1)["value"]["stringValue"].value()), "n1");
  simdjson::dom::element ss = rs["scopeSpans"].at(0).value();
  EXPECT_EQ(Str(ss["scope"]["name"].value()), "readside");
  simdjson::dom::element s = ss["spans"].at(0).value();
  EXPECT_EQ(Str(s["traceId"].value()), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(Str(s["spanId"].value()), "00f067aa0ba902b7");
  EXPECT_EQ(Str(s["parentSpanId"].value()), "1122334455667788");
  EXPECT_EQ(Str(s["name"].value()), "POST /events");
  EXPECT_EQ(int64_t(s["kind"].get_int64().value()), 2);
  EXPECT_EQ(Str(s["startTimeUnixNano"].value()), "1700000000123456789");
  EXPECT_EQ(Str(s["endTimeUnixNano"].value()), "1700000000223456789");
  simdjson::dom::array attributes = s["attributes"].get_array().value();
  ASSERT_EQ(attributes.size(), 8u);
  EXPECT_EQ(Str(attributes.at(0)["value"]["stringValue"].value()), "a\"b");
  EXPECT_EQ(Str(attributes.at(1)["value"]["intValue"].value()), "-9007199254740993");
  EXPECT_EQ(double(attributes.at(2)["value"]["doubleValue"].get_double().value()), 1.5);
  EXPECT_EQ(Str(attributes.at(3)["value"]["doubleValue"].value()), "Infinity");
  EXPECT_TRUE(bool(attributes.at(4)["value"]["boolValue"].get_bool().value()));
  EXPECT_EQ(Str(attributes.at(5)["value"]["stringValue"].value()), "x\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(Str(attributes.at(6)["value"]["stringValue"].value()), std::string_view("\x01\n\\\0", 4));
  EXPECT_EQ(Str(attributes.at(7)["value"]["stringValue"].value()),
            "a plain start, then \"quoted\" and caf\xC3\xA9 \xE2\x82\xAC\t!");
  EXPECT_EQ(Str(s["links"].at(0)["traceId"].value()), "00000000000000010000000000000002");
  EXPECT_EQ(Str(s["links"].at(0)["spanId"].value()), "0000000000000003");
  EXPECT_EQ(int64_t(s["status"]["code"].get_int64().value()), 2);
  EXPECT_EQ(Str(s["status"]["message"].value()), "store: disk full");
  // A root has no parentSpanId; unset status, no attributes and no links are left out.
  simdjson::dom::object r = ss["spans"].at(1).get_object().value();
  EXPECT_EQ(int64_t(r["kind"].get_int64().value()), 1);
  for (const char* absent : {"parentSpanId", "attributes", "links", "status"}) {
    EXPECT_TRUE(r[absent].error() == simdjson::NO_SUCH_FIELD) << absent;
  }
}

TEST(SpanLimitsTest, AttributesReplaceByKeyAndAreCapped) {
  absl::StatusOr<std::unique_ptr<testing::FakeCollector>> collector =
      testing::FakeCollector::Start();
  ASSERT_TRUE(collector.ok());
  std::unique_ptr<Tracer> tracer = *Tracer::Create({.endpoint = (*collector)->url()});
  Span span = tracer->StartSpan("s");
  span.SetAttribute("k", 1);
  span.SetAttribute("k", "two");
  for (int i = 0; i < 200; ++i) span.SetAttribute("k" + std::to_string(i), i);
  span.SetAttribute("long", std::string(10'000, 'x'));
  span.End();
  tracer->Shutdown(5000);
  ASSERT_EQ((*collector)->requests().size(), 1u);
  simdjson::dom::parser parser;
  simdjson::dom::element s = parser.parse((*collector)->requests()[0].body)
                                 .value()["resourceSpans"]
                                 .at(0)["scopeSpans"]
                                 .at(0)["spans"]
                                 .at(0)
                                 .value();
  simdjson::dom::array attributes = s["attributes"].get_array().value();
  EXPECT_EQ(attributes.size(), kMaxAttributes);
  EXPECT_EQ(Str(attributes.at(0)["value"]["stringValue"].value()), "two");
  EXPECT_EQ(int64_t(s["droppedAttributesCount"].get_int64().value()), 200 + 2 - 128);
}

// A literal key is recorded by reference, any other key copied; the same text is one attribute.
TEST(SpanDataTest, ALiteralKeyAndTheSameKeyAsAStringAreOneAttribute) {
  SpanData d;
  d.SetInt("readside.n", 1);
  d.SetInt(std::string("readside.n"), 2);
  std::string_view dynamic = "readside.m";
  d.SetInt(dynamic, 3);
  d.SetInt("readside.m", 4);
  ASSERT_EQ(d.attributes.size(), 2u);
  EXPECT_EQ(d.key(d.attributes[0]), "readside.n");
  EXPECT_NE(d.attributes[0].literal_key, nullptr);
  EXPECT_EQ(d.attributes[0].int_value, 2);
  EXPECT_EQ(d.key(d.attributes[1]), "readside.m");
  EXPECT_EQ(d.attributes[1].literal_key, nullptr);
  EXPECT_EQ(d.attributes[1].int_value, 4);
  EXPECT_EQ(d.text, "readside.m");  // only the key that was not a literal was copied
}

// A cleared SpanData (one the exporter hands to the next span) encodes exactly like a new one.
TEST(SpanDataTest, ClearLeavesNothingOfThePreviousSpan) {
  auto encode = [](std::unique_ptr<SpanData> d) {
    std::vector<std::unique_ptr<SpanData>> spans;
    spans.push_back(std::move(d));
    return EncodeOtlpJson({{"service.name", "readside"}}, spans);
  };
  auto used = std::make_unique<SpanData>();
  used->context = SpanContext{TraceId{1, 2}, SpanId{3}, 1};
  used->parent_span_id = SpanId{4};
  used->kind = SpanKind::kServer;
  used->start_unix_nanos = 5;
  used->end_unix_nanos = 6;
  used->start_monotonic_nanos = 7;
  used->SetName("previous");
  for (int i = 0; i < 200; ++i) used->SetString("k" + std::to_string(i), "v");
  used->links.assign(200, SpanContext{TraceId{8, 9}, SpanId{10}, 1});
  used->dropped_links = 72;
  used->status = SpanStatus::kError;
  used->status_message = "broken";
  ASSERT_GT(used->dropped_attributes, 0u);
  used->Clear();
  auto fresh = std::make_unique<SpanData>();
  EXPECT_EQ(encode(std::move(used)), encode(std::move(fresh)));
}

// The JSON string writer's fast path copies 8 bytes at a time with an overlapping tail: every
// length up to 24, with a byte that needs care at every position, reads back as written.
TEST(OtlpJsonTest, StringsOfEveryLengthWithASpecialByteAnywhereReadBack) {
  simdjson::dom::parser parser;
  for (size_t n = 0; n <= 24; ++n) {
    for (size_t at = 0; at <= n; ++at) {  // at == n: no special byte
      for (char special : {'"', '\\', '\n', '\x01', '\x7f'}) {
        std::string value(n, 'a');
        for (size_t i = 0; i < n; ++i) value[i] = static_cast<char>('a' + i % 26);
        if (at < n) value[at] = special;
        auto d = std::make_unique<SpanData>();
        d->context = SpanContext{TraceId{1, 2}, SpanId{3}, 1};
        d->SetName(value);
        d->SetString(value.empty() ? "k" : value, value);
        std::vector<std::unique_ptr<SpanData>> spans;
        spans.push_back(std::move(d));
        std::string json = EncodeOtlpJson({}, spans);
        simdjson::dom::element doc;
        ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
        simdjson::dom::element span =
            doc["resourceSpans"].at(0)["scopeSpans"].at(0)["spans"].at(0).value();
        EXPECT_EQ(Str(span["name"].value()), value) << n << " " << at;
        EXPECT_EQ(Str(span["attributes"].at(0)["value"]["stringValue"].value()), value);
      }
    }
  }
}

// The exporter keeps one OtlpBuffer for every batch: a batch larger than any before grows it
// (keeping what was written), a smaller one after reuses it, and each body is exactly what a
// fresh encoding gives.
TEST(OtlpJsonTest, AKeptBufferEncodesBatchesOfAnySizeAsAFreshOneDoes) {
  auto batch = [](size_t n, const std::string& tag) {
    std::vector<std::unique_ptr<SpanData>> spans;
    for (size_t i = 0; i < n; ++i) {
      auto d = std::make_unique<SpanData>();
      d->context = SpanContext{TraceId{i + 1, 2}, SpanId{i + 3}, 1};
      d->SetName(tag + std::to_string(i));
      d->SetString("readside.value", std::string(i * 7 % 3000, 'x'));  // ~1.5 KB on average
      spans.push_back(std::move(d));
    }
    return spans;
  };
  const std::vector<std::pair<std::string, std::string>> resource = {{"service.name", "rs"}};
  OtlpBuffer kept;
  size_t capacity = 0;
  for (auto [n, tag] : std::vector<std::pair<size_t, std::string>>{
           {1, "a"}, {400, "b"}, {3, "c"}, {2000, "d"}, {0, "e"}, {2000, "f"}}) {
    auto spans = batch(n, tag);
    std::string_view body = EncodeOtlpJson(resource, spans, &kept);
    EXPECT_EQ(body, EncodeOtlpJson(resource, spans)) << n << tag;
    EXPECT_GE(kept.capacity(), capacity);  // never shrinks
    capacity = kept.capacity();
  }
  // The encoder's first guess is 700 bytes a span: the largest batch outgrew it while being
  // written, so growing kept what was written before (the bodies compared above).
  EXPECT_GT(capacity, 1024 + 2000u * 700u);
}

TEST(HexTest, WritesTheLowDigitsOfAnyWidth) {
  auto hex = [](uint64_t v, int digits) {
    char out[16];
    return std::string(out, WriteHex64(v, digits, out));
  };
  EXPECT_EQ(hex(0x0123456789abcdefULL, 16), "0123456789abcdef");
  EXPECT_EQ(hex(0xfedcba9876543210ULL, 15), "edcba9876543210");
  EXPECT_EQ(hex(0x1f, 2), "1f");
  EXPECT_EQ(hex(0x1f, 1), "f");
  EXPECT_EQ(hex(0xabc, 3), "abc");
  EXPECT_EQ(hex(0, 4), "0000");
}

TEST(SpanDataTest, TheTextOfASpanIsBoundedAndReplacedValuesReuseTheirPlace) {
  SpanData d;
  d.SetName("n");
  for (int i = 0; i < 20; ++i) d.SetString("k" + std::to_string(i), std::string(4096, 'x'));
  // Each attribute takes 4,098 bytes of text: 15 fit in 64 KiB beside the name, 5 do not.
  ASSERT_EQ(d.attributes.size(), 15u);
  EXPECT_EQ(d.dropped_attributes, 5u);
  EXPECT_LE(d.text.size(), kMaxSpanTextBytes);
  size_t size = d.text.size();
  for (int i = 0; i < 1000; ++i) d.SetString("k0", "short " + std::to_string(i));
  EXPECT_EQ(d.text.size(), size);  // in place, however often
  EXPECT_EQ(d.string_value(d.attributes[0]), "short 999");
  d.SetString("k0", std::string(5000, 'y'));  // cut to 4 KiB: the room it had
  EXPECT_EQ(d.string_value(d.attributes[0]), std::string(4096, 'y'));
  EXPECT_EQ(d.text.size(), size);
  d.SetInt("k1", 7);  // a string attribute becomes an int
  EXPECT_EQ(d.attributes[1].type, Attribute::Type::kInt);
  EXPECT_EQ(d.key(d.attributes[1]), "k1");
  d.SetString("k1", std::string(4096, 'z'));  // a string again: no room left for it
  EXPECT_EQ(d.attributes[1].type, Attribute::Type::kInt);
  EXPECT_EQ(d.attributes[1].int_value, 7);
  EXPECT_EQ(d.dropped_attributes, 6u);
  EXPECT_LE(d.text.size(), kMaxSpanTextBytes);
  d.SetName("a longer name than the first");
  EXPECT_EQ(d.name(), "a longer name than the first");
  d.SetName("short");  // in place
  EXPECT_EQ(d.name(), "short");
  d.SetName(std::string(5000, 'n'));  // cut to 4 KiB, and no room for that
  EXPECT_EQ(d.name(), "short");
}

}  // namespace
}  // namespace readside::trace
