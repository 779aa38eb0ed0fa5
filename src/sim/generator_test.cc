// Tests of the ERP simulator: determinism, stream limits, the event contract
// (spec/events.md, checked by test_event_checks.h), business coherence, and the noise
// options (late events, re-sends, invalid lines).
#include "sim/generator.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/json_writer.h"
#include "sim/rng.h"
#include "sim/sim_time.h"
#include "sim/test_event_checks.h"

namespace readside::sim {
namespace {

using testing::CheckEvent;
using testing::Int;
using testing::Num;
using testing::ParseDateTime;
using testing::Sv;

struct Line {
  std::string text;
  int64_t timestamp;
};

std::vector<Line> Generate(const GeneratorOptions& options) {
  Generator generator(options);
  std::vector<Line> lines;
  Line line;
  while (generator.Next(&line.text, &line.timestamp)) lines.push_back(line);
  return lines;
}

GeneratorOptions Options(uint64_t total) {
  GeneratorOptions o;
  o.total_events = total;
  return o;
}

// The fields of a valid line that the coherence tests look at.
struct Event {
  std::string event_id, type, org, entity_id;
  std::map<std::string, std::string> refs;  // payload string fields ending in _id
  simdjson::dom::element payload;
};

bool Parse(simdjson::dom::parser& parser, const std::string& text, Event* e) {
  if (!CheckEvent(parser, text).empty()) return false;
  simdjson::dom::element doc = parser.parse(text).value();
  e->event_id = std::string(Sv(doc["event_id"]));
  e->type = std::string(Sv(doc["event_type"]));
  e->org = std::string(Sv(doc["organization_id"]));
  e->entity_id = std::string(Sv(doc["data"]["entity_id"]));
  e->payload = doc["data"]["payload"].value();
  e->refs.clear();
  simdjson::dom::object payload = e->payload.get_object().value();
  for (auto field : payload) {
    std::string_view key = field.key;
    std::string_view value;
    if (key.size() > 3 && key.substr(key.size() - 3) == "_id" && !field.value.get(value)) {
      e->refs[std::string(key)] = std::string(value);
    }
  }
  return true;
}

TEST(GeneratorTest, SameSeedProducesIdenticalBytes) {
  GeneratorOptions o = Options(30000);
  o.out_of_order_fraction = 0.2;
  o.duplicate_fraction = 0.02;
  o.malformed_fraction = 0.02;
  std::vector<Line> a = Generate(o), b = Generate(o);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].text, b[i].text) << "line " << i;
    ASSERT_EQ(a[i].timestamp, b[i].timestamp);
  }
}

TEST(GeneratorTest, DifferentSeedProducesDifferentStream) {
  GeneratorOptions o = Options(2000);
  std::vector<Line> a = Generate(o);
  o.seed = 43;
  std::vector<Line> b = Generate(o);
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i].text == b[i].text;
  EXPECT_EQ(same, 0u);
}

TEST(GeneratorTest, StopsAfterTotalEventsCountingNoiseLines) {
  GeneratorOptions o = Options(1234);
  o.duplicate_fraction = 0.1;
  o.malformed_fraction = 0.1;
  Generator generator(o);
  std::string line;
  int64_t ts;
  int n = 0;
  while (generator.Next(&line, &ts)) ++n;
  EXPECT_EQ(n, 1234);
  EXPECT_EQ(generator.lines_produced(), 1234u);
  EXPECT_FALSE(generator.Next(&line, &ts));
}

TEST(GeneratorTest, StopsBeforeEndTimeAndOutOfOrderOnlyReorders) {
  GeneratorOptions o;
  o.end_unix_micros = o.start_unix_micros + 2 * kMicrosPerDay;
  std::vector<Line> in_order = Generate(o);
  o.out_of_order_fraction = 0.3;
  std::vector<Line> shuffled = Generate(o);
  ASSERT_GT(in_order.size(), 5000u);
  std::multiset<std::string> a, b;
  for (const Line& l : in_order) {
    EXPECT_LT(l.timestamp, o.end_unix_micros);
    a.insert(l.text);
  }
  for (const Line& l : shuffled) b.insert(l.text);
  EXPECT_EQ(a, b);  // held-back events are flushed at the end, none lost or added
}

TEST(GeneratorTest, EveryCatalogEventTypeAppearsForEveryTenantIn20kEvents) {
  std::map<std::string, std::set<std::string>> types;
  simdjson::dom::parser parser;
  for (const Line& l : Generate(Options(20000))) {
    simdjson::dom::element doc = parser.parse(l.text).value();
    types[std::string(Sv(doc["organization_id"]))].insert(std::string(Sv(doc["event_type"])));
  }
  ASSERT_EQ(types.size(), 3u);
  for (const auto& [org, seen] : types) {
    for (const auto& [type, rules] : testing::Catalog()) {
      EXPECT_TRUE(seen.count(type)) << org << " never published " << type;
    }
  }
}

TEST(GeneratorTest, EveryLineIsAValidEventWithConsistentEnvelope) {
  GeneratorOptions o = Options(60000);
  o.tenants = {"acme-corp", "beta-inc", "gamma-llc", "delta-co", "epsilon-9"};
  simdjson::dom::parser parser;
  std::set<std::pair<std::string, std::string>> ids;
  for (const Line& l : Generate(o)) {
    ASSERT_EQ(CheckEvent(parser, l.text), "") << l.text;
    simdjson::dom::element doc = parser.parse(l.text).value();
    std::string_view type(doc["event_type"]), ts(doc["timestamp"]);
    std::string_view entity_type(doc["data"]["entity_type"]), action(doc["data"]["action"]);
    // "crm.opportunity.won" -> opportunity/won; "project.created" -> project/created.
    size_t last = type.rfind('.');
    size_t first = type.find('.');
    std::string_view expected_entity =
        first == last ? type.substr(0, first) : type.substr(first + 1, last - first - 1);
    if (type.substr(0, 13) == "project.task.") expected_entity = "task";
    if (type == "project.time.logged") expected_entity = "time";
    EXPECT_EQ(entity_type, expected_entity) << type;
    EXPECT_EQ(action, type.substr(last + 1));
    EXPECT_EQ(ts.size(), 24u) << ts;  // 2024-01-15T10:00:00.123Z
    EXPECT_EQ(ParseDateTime(ts), l.timestamp);
    EXPECT_EQ(l.timestamp % 1000, 0);
    EXPECT_EQ(Sv(doc["version"]), "1.0");
    EXPECT_TRUE(
        ids.insert({std::string(Sv(doc["organization_id"])), std::string(Sv(doc["event_id"]))})
            .second);
  }
}

TEST(GeneratorTest, EveryTransactionBalancesExactlyInDecimalText) {
  simdjson::ondemand::parser parser;
  int transactions = 0, text_amounts = 0;
  for (const Line& l : Generate(Options(40000))) {
    if (l.text.find("\"finance.transaction.posted\"") == std::string::npos) continue;
    ++transactions;
    simdjson::padded_string json(l.text);
    simdjson::ondemand::document doc = parser.iterate(json);
    int64_t debit = 0, credit = 0;
    int n = 0;
    for (auto line : doc["data"]["payload"]["lines"].get_array()) {
      ++n;
      for (auto field : line.get_object()) {
        std::string_view key = field.unescaped_key().value();
        if (key != "debit" && key != "credit") continue;
        std::string_view raw = field.value().raw_json_token().value();
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n')) raw.remove_suffix(1);
        if (raw.front() == '"') {
          ++text_amounts;
          raw = raw.substr(1, raw.size() - 2);
        }
        std::optional<int64_t> v = testing::ParseDecimal(raw);
        ASSERT_TRUE(v.has_value()) << raw;
        ASSERT_GE(*v, 0);
        (key == "debit" ? debit : credit) += *v;
      }
    }
    EXPECT_GE(n, 2);
    EXPECT_EQ(debit, credit) << l.text;
  }
  EXPECT_GT(transactions, 1000);
  EXPECT_GT(text_amounts, 0);  // both money forms occur
}

TEST(GeneratorTest, TimestampsNeverDecreaseWithoutOutOfOrder) {
  std::vector<Line> lines = Generate(Options(30000));
  for (size_t i = 1; i < lines.size(); ++i) {
    ASSERT_GE(lines[i].timestamp, lines[i - 1].timestamp) << "line " << i;
  }
  EXPECT_EQ(lines.front().timestamp, GeneratorOptions().start_unix_micros);
}

TEST(GeneratorTest, LateLinesStayWithinTheAllowance) {
  GeneratorOptions o = Options(30000);
  o.out_of_order_fraction = 0.3;
  o.duplicate_fraction = 0.05;
  o.malformed_fraction = 0.05;
  int64_t max_seen = INT64_MIN;
  int late = 0;
  for (const Line& l : Generate(o)) {
    if (max_seen != INT64_MIN) {
      ASSERT_GT(l.timestamp, max_seen - o.max_lateness_micros);
    }
    late += l.timestamp < max_seen;
    max_seen = std::max(max_seen, l.timestamp);
  }
  EXPECT_GT(late, 3000);
}

TEST(GeneratorTest, OneEntitysEventsKeepTheirOrderWhenOutOfOrder) {
  std::map<std::string, size_t> canonical_index;
  std::vector<Line> canonical = Generate(Options(40000));
  simdjson::dom::parser parser;
  Event e;
  for (size_t i = 0; i < canonical.size(); ++i) {
    ASSERT_TRUE(Parse(parser, canonical[i].text, &e));
    canonical_index[e.event_id] = i;
  }
  GeneratorOptions o = Options(30000);
  o.out_of_order_fraction = 0.3;
  std::map<std::pair<std::string, std::string>, size_t> last_of_entity;
  size_t inversions = 0, previous = 0;
  for (const Line& l : Generate(o)) {
    ASSERT_TRUE(Parse(parser, l.text, &e));
    auto it = canonical_index.find(e.event_id);
    ASSERT_NE(it, canonical_index.end()) << "not in the business stream: " << l.text;
    size_t index = it->second;
    inversions += index < previous;
    previous = index;
    auto [entry, inserted] = last_of_entity.try_emplace({e.org, e.entity_id}, index);
    if (!inserted) {
      ASSERT_GT(index, entry->second) << e.org << " " << e.entity_id << " out of order";
      entry->second = index;
    }
  }
  EXPECT_GT(inversions, 3000u);
}

TEST(GeneratorTest, DuplicatesAreExactResendsOfEarlierLines) {
  GeneratorOptions o = Options(20000);
  o.duplicate_fraction = 0.05;
  simdjson::dom::parser parser;
  std::map<std::pair<std::string, std::string>, std::string> first;
  int resends = 0;
  for (const Line& l : Generate(o)) {
    simdjson::dom::element doc = parser.parse(l.text).value();
    auto key =
        std::make_pair(std::string(Sv(doc["organization_id"])), std::string(Sv(doc["event_id"])));
    auto [it, inserted] = first.try_emplace(key, l.text);
    if (!inserted) {
      ++resends;
      EXPECT_EQ(it->second, l.text);
    }
  }
  EXPECT_NEAR(resends / 20000.0, 0.05, 0.01);
}

TEST(GeneratorTest, MalformedFractionIsRespectedWithAMixOfDefects) {
  GeneratorOptions o = Options(20000);
  o.malformed_fraction = 0.08;
  simdjson::dom::parser parser;
  int invalid = 0;
  std::set<std::string> defects;
  for (const Line& l : Generate(o)) {
    std::string defect = CheckEvent(parser, l.text);
    if (defect.empty()) continue;
    ++invalid;
    defects.insert(defect);
  }
  EXPECT_NEAR(invalid / 20000.0, 0.08, 0.012);
  EXPECT_GE(defects.size(), 15u);
  for (const char* expected : {"not JSON", "lines: unbalanced", "organization_id: bad",
                               "timestamp: bad", "version: bad", "amount: money out of range"}) {
    EXPECT_TRUE(defects.count(expected)) << expected;
  }
}

// Payload fields ending in _id name entities, except warehouses (a fixed set).
bool IsReference(const std::string& field) { return field != "warehouse_id"; }

TEST(GeneratorTest, ReferencedIdsWereCreatedEarlierForTheSameTenant) {
  GeneratorOptions o = Options(40000);
  o.out_of_order_fraction = 0.3;
  o.duplicate_fraction = 0.02;
  o.malformed_fraction = 0.02;
  static const std::set<std::string> kCreations = {
      "crm.contact.created",       "crm.lead.created",        "crm.opportunity.created",
      "hrm.employee.created",      "hrm.leave.requested",     "finance.invoice.created",
      "inventory.product.created", "inventory.order.created", "project.created",
      "project.task.created",      "finance.account.created"};
  static const std::set<std::string> kSelfContained = {
      "crm.activity.logged",         "hrm.attendance.checked_in",  "hrm.payroll.processed",
      "finance.payment.received",    "finance.transaction.posted", "inventory.stock.updated",
      "inventory.reorder.triggered", "project.time.logged"};
  simdjson::dom::parser parser;
  std::map<std::string, std::set<std::string>> created;
  Event e;
  int checked = 0;
  for (const Line& l : Generate(o)) {
    if (!Parse(parser, l.text, &e)) continue;
    std::set<std::string>& known = created[e.org];
    if (!kCreations.count(e.type) && !kSelfContained.count(e.type)) {
      EXPECT_TRUE(known.count(e.entity_id)) << "event before creation: " << l.text;
    }
    for (const auto& [field, id] : e.refs) {
      if (!IsReference(field)) continue;
      ++checked;
      EXPECT_TRUE(known.count(id)) << field << "=" << id << " unknown in " << l.text;
    }
    for (const char* array : {"lines"}) {
      simdjson::dom::array lines;
      if (e.payload[array].get(lines)) continue;
      for (simdjson::dom::element line : lines) {
        std::string_view product, code;
        if (!line["product_id"].get(product)) {
          EXPECT_TRUE(known.count(std::string(product))) << product;
        }
        if (!line["account_code"].get(code)) {
          EXPECT_TRUE(known.count("acct-" + std::string(code))) << code;
        }
      }
    }
    if (kCreations.count(e.type)) known.insert(e.entity_id);
  }
  EXPECT_GT(checked, 20000);
}

}  // namespace
}  // namespace readside::sim
