// The exporter against a real HTTP server on loopback (testing/fake_collector.h): what
// arrives is OTLP JSON with the right ids, parents, links, attributes, status and kinds;
// the queue bound drops and counts while the collector stalls; 503 is retried, 400 is not;
// Shutdown flushes within its deadline. Waits are bounded; nothing sleeps to assert.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "common/metrics.h"
#include "trace/testing/fake_collector.h"
#include "trace/trace.h"

namespace readside::trace {
namespace {

using testing::FakeCollector;

constexpr absl::Duration kWait = absl::Seconds(20);  // generous: the machine is shared

std::string_view Str(simdjson::dom::element e) { return e.get_string().value(); }

// e[key] as an array (empty when absent), named so that loops do not range over temporaries.
simdjson::dom::array Array(simdjson::dom::element e, const char* key) {
  simdjson::dom::array a;
  if (e[key].get(a) != simdjson::SUCCESS) ADD_FAILURE() << "no array " << key;
  return a;
}

class OtlpExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<FakeCollector>> c = FakeCollector::Start();
    ASSERT_TRUE(c.ok()) << c.status();
    collector_ = std::move(*c);
  }

  // Options that send only when a batch fills (or at Shutdown), with quick retries.
  TracerOptions Options(size_t batch) {
    return {.endpoint = collector_->url(),
            .max_batch_spans = batch,
            .flush_interval_ms = 3'600'000,
            .initial_backoff_ms = 5,
            .max_backoff_ms = 20};
  }

  std::unique_ptr<Tracer> Make(TracerOptions options) {
    absl::StatusOr<std::unique_ptr<Tracer>> t = Tracer::Create(std::move(options));
    EXPECT_TRUE(t.ok()) << t.status();
    return std::move(*t);
  }

  // The spans of request `i`, by name.
  std::map<std::string, simdjson::dom::element> Spans(size_t i) {
    // The elements point into parser_, valid until its next parse.
    simdjson::dom::element doc = parser_.parse(collector_->requests().at(i).body).value();
    std::map<std::string, simdjson::dom::element> by_name;
    simdjson::dom::array resource_spans = Array(doc, "resourceSpans");
    for (simdjson::dom::element rs : resource_spans) {
      simdjson::dom::array scope_spans = Array(rs, "scopeSpans");
      for (simdjson::dom::element ss : scope_spans) {
        simdjson::dom::array spans = Array(ss, "spans");
        for (simdjson::dom::element s : spans) {
          by_name[std::string(Str(s["name"].value()))] = s;
        }
      }
    }
    return by_name;
  }

  std::unique_ptr<FakeCollector> collector_;
  simdjson::dom::parser parser_;
};

TEST_F(OtlpExportTest, BatchArrivesAsOtlpJsonWithIdsParentsLinksAttributesAndStatus) {
  std::unique_ptr<Tracer> tracer = Make(Options(3));
  SpanContext incoming =
      *ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  Span server = tracer->StartSpan("POST /events", incoming, SpanKind::kServer);
  server.SetAttribute("http.request.method", "POST");
  server.SetAttribute("http.response.status_code", 200);
  server.SetAttribute("readside.events.accepted", uint64_t{42});
  server.SetAttribute("readside.fill", 0.25);
  server.SetAttribute("readside.kafka", false);
  Span commit = tracer->StartSpan("store.commit", server.context());
  commit.SetStatus(absl::UnavailableError("disk full"));
  SpanContext ingest_context = server.context();
  SpanContext commit_context = commit.context();
  commit.End();
  server.SetStatus(SpanStatus::kOk, "ignored: only errors keep a message");
  server.End();
  Span apply = tracer->StartSpan("projector.apply", {}, SpanKind::kConsumer);
  apply.AddLink(ingest_context);
  apply.AddLink(SpanContext{});  // invalid: ignored
  SpanContext apply_context = apply.context();
  apply.End();

  ASSERT_TRUE(collector_->WaitForRequests(1, kWait));
  FakeCollector::Request request = collector_->requests()[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/v1/traces");
  EXPECT_EQ(request.content_type, "application/json");

  simdjson::dom::element doc = parser_.parse(request.body).value();
  simdjson::dom::element resource = doc["resourceSpans"].at(0)["resource"].value();
  EXPECT_EQ(Str(resource["attributes"].at(0)["key"].value()), "service.name");
  EXPECT_EQ(Str(resource["attributes"].at(0)["value"]["stringValue"].value()), "readside");

  std::map<std::string, simdjson::dom::element> spans = Spans(0);
  ASSERT_EQ(spans.size(), 3u);
  simdjson::dom::element s = spans["POST /events"];
  EXPECT_EQ(Str(s["traceId"].value()), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(Str(s["spanId"].value()), ingest_context.span_id.Hex());
  EXPECT_EQ(Str(s["parentSpanId"].value()), "00f067aa0ba902b7");
  EXPECT_EQ(int64_t(s["kind"].get_int64().value()), 2);
  EXPECT_EQ(int64_t(s["status"]["code"].get_int64().value()), 1);
  EXPECT_TRUE(s["status"]["message"].error() == simdjson::NO_SUCH_FIELD);
  int64_t start = std::stoll(std::string(Str(s["startTimeUnixNano"].value())));
  int64_t end = std::stoll(std::string(Str(s["endTimeUnixNano"].value())));
  EXPECT_GT(start, int64_t{1'600'000'000} * 1'000'000'000);
  EXPECT_GE(end, start);
  std::map<std::string, std::string> attributes;
  simdjson::dom::array attribute_list = Array(s, "attributes");
  for (simdjson::dom::element a : attribute_list) {
    attributes[std::string(Str(a["key"].value()))] = simdjson::minify(a["value"].value());
  }
  EXPECT_EQ(attributes["http.request.method"], R"({"stringValue":"POST"})");
  EXPECT_EQ(attributes["http.response.status_code"], R"({"intValue":"200"})");
  EXPECT_EQ(attributes["readside.events.accepted"], R"({"intValue":"42"})");
  EXPECT_EQ(attributes["readside.fill"], R"({"doubleValue":0.25})");
  EXPECT_EQ(attributes["readside.kafka"], R"({"boolValue":false})");

  simdjson::dom::element c = spans["store.commit"];
  EXPECT_EQ(Str(c["traceId"].value()), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(Str(c["spanId"].value()), commit_context.span_id.Hex());
  EXPECT_EQ(Str(c["parentSpanId"].value()), ingest_context.span_id.Hex());
  EXPECT_EQ(int64_t(c["kind"].get_int64().value()), 1);
  EXPECT_EQ(int64_t(c["status"]["code"].get_int64().value()), 2);
  EXPECT_EQ(Str(c["status"]["message"].value()), "UNAVAILABLE: disk full");

  simdjson::dom::element a = spans["projector.apply"];
  EXPECT_EQ(Str(a["traceId"].value()), apply_context.trace_id.Hex());
  EXPECT_NE(apply_context.trace_id, ingest_context.trace_id);  // a new trace, linked
  EXPECT_TRUE(a["parentSpanId"].error() == simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(int64_t(a["kind"].get_int64().value()), 5);
  simdjson::dom::array links = a["links"].get_array().value();
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(Str(links.at(0)["traceId"].value()), ingest_context.trace_id.Hex());
  EXPECT_EQ(Str(links.at(0)["spanId"].value()), ingest_context.span_id.Hex());

  tracer->Shutdown(5000);
  const TracerCounters& counters = tracer->counters();
  EXPECT_EQ(counters.spans_started.value(), 3u);
  EXPECT_EQ(counters.spans_exported.value(), 3u);
  EXPECT_EQ(counters.batches_sent.value(), 1u);
  EXPECT_EQ(counters.spans_dropped.value(), 0u);
  EXPECT_EQ(counters.export_failures.value(), 0u);
}

// The exporter keeps the SpanData of sent spans for the next ones: a span started after a
// batch was sent carries nothing of the span whose SpanData it may reuse.
TEST_F(OtlpExportTest, ASpanReusingAnExportedOnesDataCarriesNothingOfIt) {
  std::unique_ptr<Tracer> tracer = Make(Options(1));
  {
    Span first = tracer->StartSpan("first", {}, SpanKind::kServer);
    first.SetAttribute("readside.big", std::string(3000, 'x'));
    first.SetAttribute("readside.n", 7);
    first.AddLink(SpanContext{TraceId{1, 2}, SpanId{3}, 1});
    first.SetStatus(absl::InternalError("broken"));
  }
  ASSERT_TRUE(collector_->WaitForRequests(1, kWait));
  for (int i = 0; i < 3; ++i) {  // whichever of them gets the first one's data
    Span next = tracer->StartSpan("next" + std::to_string(i));
    next.SetAttribute("readside.i", i);
  }
  ASSERT_TRUE(collector_->WaitForRequests(4, kWait));
  for (size_t r = 1; r < 4; ++r) {
    std::map<std::string, simdjson::dom::element> spans = Spans(r);
    ASSERT_EQ(spans.size(), 1u);
    simdjson::dom::element s = spans.begin()->second;
    EXPECT_EQ(int64_t(s["kind"].get_int64().value()), 1);
    simdjson::dom::array attributes = Array(s, "attributes");
    ASSERT_EQ(attributes.size(), 1u);
    EXPECT_EQ(Str(attributes.at(0)["key"].value()), "readside.i");
    for (const char* absent : {"links", "status", "parentSpanId", "droppedAttributesCount"}) {
      EXPECT_EQ(s[absent].error(), simdjson::NO_SUCH_FIELD) << absent;
    }
  }
}

TEST_F(OtlpExportTest, APartialBatchIsSentAfterTheFlushInterval) {
  TracerOptions options = Options(512);
  options.flush_interval_ms = 20;
  std::unique_ptr<Tracer> tracer = Make(options);
  tracer->StartSpan("lonely").End();
  ASSERT_TRUE(collector_->WaitForRequests(1, kWait));
  EXPECT_EQ(Spans(0).count("lonely"), 1u);
}

TEST_F(OtlpExportTest, FullQueueDropsAndCountsWhileTheCollectorStalls) {
  collector_->Hold();
  TracerOptions options = Options(2);
  options.max_queue_spans = 4;
  std::unique_ptr<Tracer> tracer = Make(options);
  tracer->StartSpan("first-0").End();
  tracer->StartSpan("first-1").End();
  // The exporter's thread took that batch and now waits for the stalled collector.
  ASSERT_TRUE(collector_->WaitForRequests(1, kWait));
  for (int i = 0; i < 10; ++i) tracer->StartSpan("more-" + std::to_string(i)).End();
  // Ending spans never waited: 4 were queued, 6 dropped at once.
  EXPECT_EQ(tracer->counters().spans_dropped.value(), 6u);
  EXPECT_EQ(tracer->counters().spans_exported.value(), 0u);

  collector_->Release();
  ASSERT_TRUE(collector_->WaitForRequests(3, kWait));
  tracer->Shutdown(5000);
  const TracerCounters& c = tracer->counters();
  EXPECT_EQ(c.spans_started.value(), 12u);
  EXPECT_EQ(c.spans_exported.value(), 6u);
  EXPECT_EQ(c.spans_dropped.value(), 6u);
  EXPECT_EQ(c.batches_sent.value(), 3u);
  EXPECT_EQ(Spans(1).count("more-0") + Spans(2).count("more-3"), 2u);  // the first four, in order
}

TEST_F(OtlpExportTest, RetriesAfter503AndSendsTheSameBatch) {
  collector_->ScriptStatuses({503});
  std::unique_ptr<Tracer> tracer = Make(Options(1));
  tracer->StartSpan("retried").End();
  ASSERT_TRUE(collector_->WaitForRequests(2, kWait));
  tracer->Shutdown(5000);
  std::vector<FakeCollector::Request> requests = collector_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].body, requests[1].body);
  const TracerCounters& c = tracer->counters();
  EXPECT_EQ(c.export_failures.value(), 1u);
  EXPECT_EQ(c.spans_exported.value(), 1u);
  EXPECT_EQ(c.batches_sent.value(), 1u);
  EXPECT_EQ(c.spans_dropped.value(), 0u);
}

TEST_F(OtlpExportTest, RetryAfterOfTheCollectorReplacesTheBackoff) {
  collector_->ScriptStatuses({429});
  collector_->SetRetryAfter("0");
  TracerOptions options = Options(1);
  options.initial_backoff_ms = options.max_backoff_ms = 600'000;  // never waited out here
  std::unique_ptr<Tracer> tracer = Make(options);
  tracer->StartSpan("told-when").End();
  ASSERT_TRUE(collector_->WaitForRequests(2, kWait));
}

TEST_F(OtlpExportTest, GivesUpAfterMaxAttemptsAndOn400) {
  collector_->ScriptStatuses({429, 502, 504, 400});
  TracerOptions options = Options(1);
  options.max_attempts = 3;
  std::unique_ptr<Tracer> tracer = Make(options);
  tracer->StartSpan("given-up").End();     // 429, 502, 504: three tries, then dropped
  tracer->StartSpan("bad-request").End();  // 400: not retried
  tracer->StartSpan("fine").End();
  ASSERT_TRUE(collector_->WaitForRequests(5, kWait));
  tracer->Shutdown(5000);
  EXPECT_EQ(collector_->requests().size(), 5u);
  const TracerCounters& c = tracer->counters();
  EXPECT_EQ(c.export_failures.value(), 4u);
  EXPECT_EQ(c.spans_dropped.value(), 2u);
  EXPECT_EQ(c.spans_exported.value(), 1u);
}

TEST_F(OtlpExportTest, ConnectionErrorsAreRetriedThenCounted) {
  // A port nobody listens on: bound, then closed.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  TracerOptions options = Options(1);
  options.endpoint = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/v1/traces";
  options.max_attempts = 3;
  std::unique_ptr<Tracer> tracer = Make(options);
  tracer->StartSpan("unreachable").End();
  tracer->Shutdown(10'000);
  EXPECT_EQ(tracer->counters().export_failures.value(), 3u);
  EXPECT_EQ(tracer->counters().spans_dropped.value(), 1u);
}

TEST_F(OtlpExportTest, ShutdownFlushesWhatIsQueued) {
  std::unique_ptr<Tracer> tracer = Make(Options(512));
  for (int i = 0; i < 5; ++i) tracer->StartSpan("queued-" + std::to_string(i)).End();
  tracer->Shutdown(5000);
  ASSERT_EQ(collector_->requests().size(), 1u);
  EXPECT_EQ(Spans(0).size(), 5u);
  EXPECT_EQ(tracer->counters().spans_exported.value(), 5u);
  tracer->StartSpan("after").End();  // not recorded: nothing more is counted or sent
  EXPECT_EQ(tracer->counters().spans_started.value(), 5u);
}

TEST_F(OtlpExportTest, ShutdownKeepsItsDeadlineWhenTheCollectorStalls) {
  collector_->Hold();
  std::unique_ptr<Tracer> tracer = Make(Options(512));
  tracer->StartSpan("stuck").End();
  absl::Time start = absl::Now();
  tracer->Shutdown(300);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // the 10 s request timeout was cut
  EXPECT_EQ(tracer->counters().spans_dropped.value(), 1u);
  EXPECT_EQ(tracer->counters().spans_exported.value(), 0u);
  collector_->Release();
}

TEST_F(OtlpExportTest, ShutdownAbandonsARequestAlreadyInFlightAtItsDeadline) {
  // Sent by the flush interval before Shutdown, so with the whole 10 s request timeout; the
  // collector holds it unanswered. Shutdown's deadline cuts it all the same.
  collector_->Hold();
  TracerOptions options = Options(512);
  options.flush_interval_ms = 20;
  std::unique_ptr<Tracer> tracer = Make(options);
  tracer->StartSpan("in-flight").End();
  ASSERT_TRUE(collector_->WaitForRequests(1, absl::Seconds(30)));
  absl::Time start = absl::Now();
  tracer->Shutdown(300);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // not the 10 s request timeout
  EXPECT_EQ(tracer->counters().spans_dropped.value(), 1u);
  EXPECT_EQ(tracer->counters().spans_exported.value(), 0u);
  collector_->Release();
}

TEST_F(OtlpExportTest, MetricsRenderTheCounters) {
  std::unique_ptr<Tracer> tracer = Make(Options(2));
  tracer->StartSpan("a").End();
  tracer->StartSpan("b").End();
  tracer->Shutdown(5000);
  MetricsRegistry registry;
  tracer->RegisterMetrics(&registry);
  std::string text = registry.Render();
  EXPECT_NE(text.find("# TYPE readside_trace_spans_exported_total counter\n"
                      "readside_trace_spans_exported_total 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("readside_trace_spans_dropped_total 0\n"), std::string::npos);
  EXPECT_NE(text.find("readside_trace_export_failures_total 0\n"), std::string::npos);
  EXPECT_NE(text.find("readside_trace_spans_started_total 2\n"), std::string::npos);
  EXPECT_NE(text.find("readside_trace_batches_sent_total 1\n"), std::string::npos);
}

}  // namespace
}  // namespace readside::trace
