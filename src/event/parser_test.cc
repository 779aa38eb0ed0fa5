#include "event/parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "event/parser_test_util.h"
#include "sim/generator.h"

namespace readside::event {
namespace {

TEST_F(ParserTest, AcceptsValidEventAndReadsTypedPayload) {
  ASSERT_TRUE(Parse(
      Envelope("crm.opportunity.created",
               R"({"stage":"proposal","amount":"1250.10","owner_id":"u1","x":[1,{"y":null}]})")))
      << errors_[0].field << errors_[0].message;
  EXPECT_EQ(ev_.type, EventType::kCrmOpportunityCreated);
  EXPECT_EQ(ev_.organization_id, "acme-corp");
  EXPECT_EQ(ev_.entity_id, "x-1");
  EXPECT_EQ(ev_.field(1).money.units(), 12501000);
  EXPECT_EQ(ev_.field(0).text, "proposal");
  EXPECT_FALSE(ev_.event_id_assigned);
  // Unknown fields are kept in the stored form.
  EXPECT_NE(ev_.json.find(R"("x":[1,{"y":null}])"), std::string::npos);
}

TEST_F(ParserTest, NormalizedJsonIsMinifiedAndReparsesIdentically) {
  std::string spaced =
      "{ \"event_type\" : \"crm.contact.deleted\",\n \"organization_id\": \"a\", "
      "\"timestamp\":\"2024-01-15T10:00:00+02:00\", \"version\":\"1.7\", "
      "\"source_service\":\"s\", \"data\": {\"entity_id\":\"c\", "
      "\"entity_type\":\"contact\",\"action\":\"deleted\",\"payload\":{} } }";
  ASSERT_TRUE(Parse(spaced));
  EXPECT_TRUE(ev_.event_id_assigned);
  EXPECT_EQ(ev_.event_id.size(), 36u);
  std::string first = ev_.json;
  EXPECT_EQ(first.find(' '), std::string::npos);
  EXPECT_TRUE(first.starts_with("{\"event_id\":\""));
  ASSERT_TRUE(Parse(first));
  EXPECT_EQ(ev_.json, first);
  EXPECT_FALSE(ev_.event_id_assigned);
}

TEST_F(ParserTest, UnknownTypeIsAcceptedWithoutPayloadRules) {
  ASSERT_TRUE(Parse(Envelope("crm.widget.frobbed", R"({"anything":1})")));
  EXPECT_EQ(ev_.type, EventType::kUnknown);
  EXPECT_EQ(ev_.event_type, "crm.widget.frobbed");
}

TEST_F(ParserTest, ReadsideTypesAreReservedForTheServer) {
  ExpectRejected(Envelope("readside.tenant.configured", R"({"timezone":"UTC"})"), "event_type",
                 "reserved");
  ASSERT_TRUE(Parse(Envelope("readsidex.tenant.configured", "{}")));
}

TEST_F(ParserTest, EventTypeAfterDataStillGetsPayloadRules) {
  std::string j =
      R"({"organization_id":"a","timestamp":"2024-01-15T10:00:00Z","version":"1.0",)"
      R"("source_service":"s","data":{"entity_id":"i","entity_type":"invoice",)"
      R"("action":"created","payload":{"customer_id":"c","amount":-5,"due_date":"2024-02-01"}},)"
      R"("event_type":"finance.invoice.created"})";
  ExpectRejected(j, "data.payload.amount", "> 0");
}

TEST_F(ParserTest, EnvelopeRules) {
  ExpectRejected(R"({"event_type":"crm.contact.deleted"})", "organization_id", "is required");
  ExpectRejected(Envelope("crm.contact.deleted", "{}", R"("organization_id":"x",)"),
                 "organization_id", "duplicate key");
  std::string bad_org = Envelope("crm.contact.deleted", "{}");
  for (const char* org : {"Acme", "-acme", "acme-", "a_b", ""}) {
    std::string j = bad_org;
    j.replace(j.find("acme-corp"), 9, org);
    ExpectRejected(j, "organization_id", "must match");
  }
  std::string long_org(65, 'a');
  std::string j = bad_org;
  j.replace(j.find("acme-corp"), 9, long_org);
  ExpectRejected(j, "organization_id", "must match");
  j = bad_org;
  j.replace(j.find("acme-corp"), 9, std::string(64, 'a'));
  EXPECT_TRUE(Parse(j));

  j = Envelope("crm.contact.deleted", "{}");
  j.replace(j.find("2024-01-15T10:00:00Z"), 20, "2024-01-15 10:00:00");
  ExpectRejected(j, "timestamp", "RFC 3339");
  j = Envelope("crm.contact.deleted", "{}");
  j.replace(j.find("\"1.0\""), 5, "\"2.0\"");
  ExpectRejected(j, "version", "MAJOR 1");
  j = Envelope("crm.contact.deleted", "{}");
  j.replace(j.find("\"1.0\""), 5, "1.0");
  ExpectRejected(j, "version", "must be a string");
  j = Envelope("crm.contact.deleted", "{}");
  j.replace(j.find("\"erp-test\""), 10, "\"\"");
  ExpectRejected(j, "source_service", "must not be empty");
  j = Envelope("crm.contact.deleted", "{}");
  j.replace(j.find("\"e-1\""), 5, "\"" + std::string(129, 'e') + "\"");
  ExpectRejected(j, "event_id", "1 to 128");
  j = Envelope("crm.contact.deleted", "{}");
  j.replace(j.find("\"x-1\""), 5, "\"\"");
  ExpectRejected(j, "data.entity_id", "1 to 128");
  ExpectRejected(Envelope("Crm.Contact", "{}"), "event_type", "dot-separated");
  ExpectRejected(Envelope("crm.contact.deleted", "[]"), "data.payload", "must be an object");
  ExpectRejected(
      R"({"event_type":"crm.contact.deleted","organization_id":"a","timestamp":"2024-01-15T10:00:00Z","version":"1.0","source_service":"s","data":{"entity_id":"x","action":"a","payload":{}}})",
      "data.entity_type", "is required");
  ExpectRejected(
      R"({"event_type":"crm.contact.deleted","organization_id":"a","timestamp":"2024-01-15T10:00:00Z","version":"1.0","source_service":"s","data":5})",
      "data", "must be an object");
  ExpectRejected(Envelope("crm.contact.deleted", "{}", R"("correlation_id":7,)"), "correlation_id",
                 "must be a string");
}

TEST_F(ParserTest, PayloadRequiredFieldsAndTypes) {
  ExpectRejected(Envelope("crm.contact.created", "{}"), "data.payload.name", "is required");
  ExpectRejected(Envelope("crm.contact.created", R"({"name":5})"), "data.payload.name",
                 "must be a string");
  ExpectRejected(Envelope("crm.contact.created", R"({"name":null})"), "data.payload.name",
                 "must be a string");
  EXPECT_TRUE(Parse(Envelope("crm.contact.created", R"({"name":"n","email":null})")));
  EXPECT_FALSE(ev_.field(1).present);
  ExpectRejected(Envelope("crm.lead.created", R"({"source":"web"})"), "data.payload.owner_id",
                 "is required");
  ExpectRejected(
      Envelope("hrm.payroll.processed", R"({"gross_total":1,"net_total":1,"employee_count":2.5})"),
      "data.payload.employee_count", "must be an integer");
  ExpectRejected(
      Envelope("hrm.payroll.processed", R"({"gross_total":1,"net_total":1,"employee_count":-1})"),
      "data.payload.employee_count", ">= 0");
  ExpectRejected(Envelope("project.time.logged",
                          R"({"project_id":"p","employee_id":"e","hours":8,"billable":"yes"})"),
                 "data.payload.billable", "must be a boolean");
}

TEST_F(ParserTest, MoneyRules) {
  auto opp = [](std::string_view amount) {
    return Envelope(
        "crm.opportunity.created",
        std::string(R"({"stage":"s","owner_id":"u","amount":)") + std::string(amount) + "}");
  };
  EXPECT_TRUE(Parse(opp("0")));
  EXPECT_TRUE(Parse(opp("\"9999999999999.9999\"")));
  EXPECT_EQ(ev_.field(1).money.units(), 99999999999999999LL);
  ExpectRejected(opp("-1"), "data.payload.amount", ">= 0");
  ExpectRejected(opp("1.00001"), "data.payload.amount", "4 decimal");
  ExpectRejected(opp("\"1e3\""), "data.payload.amount", "decimal number");
  ExpectRejected(opp("1e400"), "data.payload.amount", "1e13");
  ExpectRejected(opp("123456789012345678901234567890"), "data.payload.amount", "1e13");
  ExpectRejected(opp("true"), "data.payload.amount", "money amount");
  ExpectRejected(Envelope("finance.payment.received", R"({"invoice_id":"i","amount":0})"),
                 "data.payload.amount", "> 0");
  ExpectRejected(
      Envelope("finance.payment.received", R"({"invoice_id":"i","amount":5,"currency":"usd"})"),
      "data.payload.currency", "ISO 4217");
  EXPECT_TRUE(Parse(
      Envelope("finance.payment.received", R"({"invoice_id":"i","amount":5,"currency":"EUR"})")));
  EXPECT_EQ(ev_.currency, "EUR");
}

// The tape fast path reads a money amount's decimal text from the input by counting number
// tokens; numbers and digit-bearing strings anywhere before it must not throw the count off.
TEST_F(ParserTest, TapePathReadsMoneyAsWritten) {
  const uint64_t before = parser_.tape_accepted();
  std::string extra =
      R"("n":[1,-2.5e-3,{"k":"-9 dollars","9":[0.1,[1e2]]}],"s":"2024-01-15T10:00:00Z","z":-0,)";
  ASSERT_TRUE(
      Parse(Envelope("finance.transaction.posted",
                     R"({"x":7,"lines":[{"account_code":"1000","debit":1234.5678,"credit":0},)"
                     R"({"account_code":"4000","debit":0.0,"credit":123456.78e-2}],"y":[-1,"2"],)"
                     R"("description":"12.50 of 3"})",
                     extra)));
  ASSERT_EQ(ev_.ledger_lines.size(), 2u);
  EXPECT_EQ(ev_.ledger_lines[0].debit.units(), 12345678);
  EXPECT_EQ(ev_.ledger_lines[1].credit.units(), 12345678);
  // Integer literals (the tape keeps them exactly), decimals, exponents, the largest amount.
  auto opp = [](std::string_view amount) {
    return Envelope("crm.opportunity.created", std::string(R"({"stage":"s","n":[3,4],"amount":)") +
                                                   std::string(amount) + R"(,"owner_id":"u"})");
  };
  for (auto [text, units] : std::initializer_list<std::pair<const char*, int64_t>>{
           {"16600", 166000000},
           {"9999999999999", 99999999999990000},
           {"9999999999999.9999", 99999999999999999},
           {"0.0001", 1},
           {"12.5e1", 1250000},
           {"1.5000", 15000}}) {
    ASSERT_TRUE(Parse(opp(text))) << text;
    EXPECT_EQ(ev_.field(1).money.units(), units) << text;
  }
  EXPECT_EQ(parser_.tape_accepted() - before, 7u);
  // Past the range as an integer literal: rejected like the reference does.
  ExpectRejected(opp("10000000000000"), "data.payload.amount", "1e13");
  // A backslash anywhere sends the event to the reference, which still accepts it.
  ASSERT_TRUE(Parse(Envelope("crm.contact.created", R"({"name":"O\"Brien \u00e9"})")));
  EXPECT_EQ(ev_.field(0).text, "O\"Brien \xC3\xA9");
  EXPECT_EQ(parser_.tape_accepted() - before, 7u);
}

// Every simulator event, valid and malformed ones alike (spec/events.md's whole catalog):
// the tape path decides the valid ones, and every outcome equals the reference's.
TEST_F(ParserTest, TapePathMatchesReferenceOnSimulatorEvents) {
  sim::GeneratorOptions options;
  options.seed = 11;
  options.total_events = 30'000;
  options.malformed_fraction = 0.05;
  sim::Generator generator(options);
  std::string line;
  int64_t ts;
  size_t n = 0, accepted = 0;
  const uint64_t before = parser_.tape_accepted();
  while (generator.Next(&line, &ts)) {
    ++n;
    accepted += Parse(line);
    if (HasFailure()) break;
  }
  EXPECT_EQ(n, 30'000u);
  EXPECT_GT(accepted, n * 9 / 10);
  EXPECT_LT(accepted, n);
  EXPECT_EQ(parser_.tape_accepted() - before, accepted);
}

// Number fields are read from their text by one correctly rounded parser on both paths: -0
// keeps its sign (the DOM tape writes it as the integer 0), long decimals and long exponents
// are read exactly (simdjson 3.0.1's On-Demand misreads them).
TEST_F(ParserTest, NumberFieldsAreReadFromTheirText) {
  auto hours = [](std::string_view n) {
    return Envelope("project.time.logged",
                    std::string(R"({"project_id":"p","employee_id":"e","billable":true,"hours":)") +
                        std::string(n) + "}");
  };
  ASSERT_TRUE(Parse(hours("0.1000000000000000055511151231257827")));
  EXPECT_EQ(ev_.field(2).number, 0.1);
  ASSERT_TRUE(Parse(hours("0.18446744073709551616")));
  EXPECT_EQ(ev_.field(2).number, 0.18446744073709551616);
  ASSERT_TRUE(Parse(hours("1e0000000000000000000001")));
  EXPECT_EQ(ev_.field(2).number, 10.0);
  ASSERT_TRUE(Parse(hours("2.5E-0000000000000000000000")));
  EXPECT_EQ(ev_.field(2).number, 2.5);
  ExpectRejected(hours("1e-400"), "data.payload.hours", "finite");
  ASSERT_TRUE(Parse(Envelope("project.created", R"({"name":"n","budget_hours":-0})")));
  EXPECT_TRUE(std::signbit(ev_.field(1).number));
}

// null is accepted only as the literal null (On-Demand's type() looks at the first letter).
TEST_F(ParserTest, NullMustBeTheLiteral) {
  EXPECT_FALSE(Parse(Envelope("crm.contact.deleted", "{}", R"("causation_id":nul,)")));
  EXPECT_FALSE(Parse(Envelope("crm.contact.created", R"({"name":"n","email":nulx})")));
  EXPECT_FALSE(Parse(
      Envelope("finance.payment.received", R"({"invoice_id":"i","amount":5,"currency":nil})")));
  EXPECT_TRUE(Parse(Envelope("crm.contact.created", R"({"name":"n","email":null})")));
}

TEST_F(ParserTest, TypeSpecificRules) {
  ExpectRejected(
      Envelope("hrm.leave.requested", R"({"employee_id":"e","leave_type":"v","days":0})"),
      "data.payload.days", "> 0");
  ExpectRejected(Envelope("project.time.logged",
                          R"({"project_id":"p","employee_id":"e","hours":24.5,"billable":true})"),
                 "data.payload.hours", "(0, 24]");
  EXPECT_TRUE(
      Parse(Envelope("project.time.logged",
                     R"({"project_id":"p","employee_id":"e","hours":24,"billable":true})")));
  ExpectRejected(Envelope("finance.account.created", R"({"code":"1","name":"n","type":"cash"})"),
                 "data.payload.type", "one of");
  ExpectRejected(Envelope("project.updated", R"({"status":"done"})"), "data.payload.status",
                 "one of");
  ExpectRejected(
      Envelope("inventory.reorder.triggered",
               R"({"product_id":"p","quantity_on_hand":1,"reorder_point":2,"reorder_quantity":0})"),
      "data.payload.reorder_quantity", "> 0");
  ExpectRejected(
      Envelope(
          "hrm.attendance.checked_in",
          R"({"employee_id":"e","scheduled_start":"2024-01-15","checked_in_at":"2024-01-15T09:00:00Z"})"),
      "data.payload.scheduled_start", "RFC 3339");
  EXPECT_TRUE(Parse(Envelope("finance.invoice.created",
                             R"({"customer_id":"c","amount":10,"due_date":"2024-02-29"})")));
  EXPECT_TRUE(ev_.field(2).is_date);
  EXPECT_TRUE(Parse(Envelope(
      "finance.invoice.created",
      R"({"customer_id":"c","amount":10,"due_date":"2024-02-29T12:00:00Z","recurring":true})")));
  EXPECT_FALSE(ev_.field(2).is_date);
  EXPECT_TRUE(ev_.field(3).boolean);
  ExpectRejected(Envelope("finance.invoice.created",
                          R"({"customer_id":"c","amount":10,"due_date":"2023-02-29"})"),
                 "data.payload.due_date", "date");
}

TEST_F(ParserTest, LedgerLinesMustBalanceExactly) {
  auto tx = [](std::string_view lines) {
    return Envelope("finance.transaction.posted",
                    std::string(R"({"lines":)") + std::string(lines) + "}");
  };
  ASSERT_TRUE(Parse(tx(
      R"([{"account_code":"1000","debit":"0.1","credit":0},{"account_code":"1100","debit":0,"credit":0.05},{"account_code":"1200","debit":0,"credit":"0.05"}])")));
  ASSERT_EQ(ev_.ledger_lines.size(), 3u);
  EXPECT_EQ(ev_.ledger_lines[0].debit.units(), 1000);
  ExpectRejected(
      tx(R"([{"account_code":"1000","debit":1,"credit":0},{"account_code":"1100","debit":0,"credit":0.99}])"),
      "data.payload.lines", "must equal credits");
  ExpectRejected(tx(R"([{"account_code":"1000","debit":0,"credit":0}])"), "data.payload.lines",
                 "at least 2");
  ExpectRejected(
      tx(R"([{"account_code":"1000","debit":1},{"account_code":"1100","debit":0,"credit":1}])"),
      "data.payload.lines[0].credit", "is required");
  ExpectRejected(
      tx(R"([{"account_code":"1000","debit":-1,"credit":-1},{"account_code":"1100","debit":0,"credit":0}])"),
      "data.payload.lines[0].debit", ">= 0");
  ExpectRejected(tx(R"([5,{"account_code":"1100","debit":0,"credit":0}])"), "data.payload.lines[0]",
                 "must be an object");
  ExpectRejected(tx("{}"), "data.payload.lines", "must be an array");
}

TEST_F(ParserTest, OrderLines) {
  auto order = [](std::string_view lines) {
    return Envelope("inventory.order.created",
                    std::string(R"({"lines":)") + std::string(lines) + "}");
  };
  ASSERT_TRUE(Parse(order(R"([{"product_id":"p1","quantity":3,"unit_price":"9.99"}])")));
  ASSERT_EQ(ev_.order_lines.size(), 1u);
  EXPECT_EQ(ev_.order_lines[0].quantity, 3);
  ExpectRejected(order("[]"), "data.payload.lines", "at least 1");
  ExpectRejected(order(R"([{"product_id":"p1","quantity":0,"unit_price":1}])"),
                 "data.payload.lines[0].quantity", "> 0");
}

TEST_F(ParserTest, HostileInputIsRejectedNotCrashing) {
  // Deep nesting in an unknown field.
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  ExpectRejected(Envelope("crm.contact.deleted", "{}", "\"x\":" + deep + ","), "x[0]", "nesting",
                 /*prefix=*/true);
  std::string deep_obj;
  for (int i = 0; i < 70; ++i) deep_obj += "{\"a\":";
  deep_obj += "1" + std::string(70, '}');
  EXPECT_FALSE(Parse(Envelope("crm.contact.deleted", "{}", "\"x\":" + deep_obj + ",")));
  // Invalid UTF-8 and lone surrogates.
  EXPECT_FALSE(Parse(Envelope("crm.contact.created", "{\"name\":\"\xff\xfe\"}")));
  ExpectRejected(Envelope("crm.contact.created", R"({"name":"\ud800"})"), "data.payload.name",
                 "valid JSON string");
  ExpectRejected(Envelope("crm.contact.created", R"({"name":"\udc00x"})"), "data.payload.name",
                 "valid JSON string");
  EXPECT_TRUE(Parse(Envelope("crm.contact.created", R"({"name":"\ud83d\ude00"})")));
  EXPECT_EQ(ev_.field(0).text, "\xF0\x9F\x98\x80");
  // Numbers past int64 and double range.
  ExpectRejected(
      Envelope(
          "inventory.stock.updated",
          R"({"product_id":"p","warehouse_id":"w","reason":"r","quantity_delta":99999999999999999999})"),
      "data.payload.quantity_delta", "64-bit");
  ExpectRejected(
      Envelope("hrm.leave.requested", R"({"employee_id":"e","leave_type":"v","days":1e400})"),
      "data.payload.days", "finite");
  // Big numbers in unknown fields are valid JSON and kept verbatim.
  ASSERT_TRUE(
      Parse(Envelope("crm.contact.deleted", "{}", R"("big":123456789012345678901234567890,)")));
  EXPECT_NE(ev_.json.find("123456789012345678901234567890"), std::string::npos);
  // Duplicate keys at any depth.
  ExpectRejected(Envelope("crm.contact.created", R"({"name":"a","name":"b"})"), "data.payload.name",
                 "duplicate key");
  ExpectRejected(Envelope("crm.contact.deleted", "{}", R"("x":{"k":1,"k":2},)"), "x.k",
                 "duplicate key");
  // Keys are taken as written: escape sequences in keys are refused.
  ExpectRejected(Envelope("crm.contact.deleted", "{}", R"("\u0078":1,)"), "\\u0078",
                 "escape sequences");
  // Trailing garbage, empty input, not an object.
  EXPECT_FALSE(Parse(Envelope("crm.contact.deleted", "{}") + " x"));
  EXPECT_FALSE(Parse(Envelope("crm.contact.deleted", "{}") + "{}"));
  EXPECT_FALSE(Parse(""));
  EXPECT_FALSE(Parse("   "));
  EXPECT_FALSE(Parse("[1]"));
  EXPECT_FALSE(Parse("{\"event_type\":"));
  EXPECT_FALSE(Parse(Envelope("crm.contact.deleted", "{}", R"("x":[1,2,},)")));
  EXPECT_FALSE(Parse(Envelope("crm.contact.deleted", "{}", R"("x":01,)")));
  EXPECT_FALSE(Parse(Envelope("crm.contact.deleted", "{}", R"("x":tru,)")));
  // A 10 MB string: too large for one event.
  std::string huge =
      Envelope("crm.contact.created", "{\"name\":\"" + std::string(10 << 20, 'a') + "\"}");
  ExpectRejected(huge, "", "more than the limit");
}

TEST_F(ParserTest, BodyArrayReportsEachEventOnItsOwn) {
  std::string body = "[" + Envelope("crm.contact.deleted", "{}") + ", 5, " +
                     Envelope("crm.contact.created", "{}") + "," +
                     Envelope("crm.contact.created", R"({"name":"n"})") + "]";
  std::vector<bool> oks;
  std::vector<std::string> first_error;
  const uint64_t before = parser_.tape_accepted();
  std::string err =
      parser_.ParseBody(body, BodyFormat::kJson, [&](size_t i, Event& ev, const ItemResult& r) {
        EXPECT_EQ(i, oks.size());
        oks.push_back(r.ok);
        first_error.push_back(r.ok ? "" : r.errors[0].field);
      });
  EXPECT_EQ(err, "");
  EXPECT_EQ(oks, (std::vector<bool>{true, false, false, true}));
  EXPECT_EQ(first_error[2], "data.payload.name");
  EXPECT_EQ(parser_.tape_accepted() - before, 2u);  // the elements, read where they lie
}

TEST_F(ParserTest, BodyErrorsAreWholeBody) {
  auto noop = [](size_t, Event&, const ItemResult&) {};
  EXPECT_NE(parser_.ParseBody("", BodyFormat::kJson, noop), "");
  EXPECT_NE(parser_.ParseBody("[", BodyFormat::kJson, noop), "");
  EXPECT_NE(parser_.ParseBody("[]", BodyFormat::kJson, noop), "");
  EXPECT_NE(parser_.ParseBody("\"x\"", BodyFormat::kJson, noop), "");
  EXPECT_NE(parser_.ParseBody("{\"a\":", BodyFormat::kJson, noop), "");
  EXPECT_NE(parser_.ParseBody("[" + Envelope("crm.contact.deleted", "{}") + "] x",
                              BodyFormat::kJson, noop),
            "");
  EXPECT_NE(parser_.ParseBody("\n\n", BodyFormat::kNdjson, noop), "");
  EventParser small({.max_batch_events = 2});
  std::string three = Envelope("crm.contact.deleted", "{}") + "\n" +
                      Envelope("crm.contact.deleted", "{}") + "\n" +
                      Envelope("crm.contact.deleted", "{}") + "\n";
  EXPECT_NE(small.ParseBody(three, BodyFormat::kNdjson, noop).find("more than 2"),
            std::string::npos);
}

TEST_F(ParserTest, NdjsonLinesStandAlone) {
  std::string body = Envelope("crm.contact.deleted", "{}") + "\r\n{broken\n\n" +
                     Envelope("crm.contact.deleted", "{}");
  std::vector<bool> oks;
  EXPECT_EQ(parser_.ParseBody(body, BodyFormat::kNdjson,
                              [&](size_t, Event&, const ItemResult& r) { oks.push_back(r.ok); }),
            "");
  EXPECT_EQ(oks, (std::vector<bool>{true, false, true}));
}

}  // namespace
}  // namespace readside::event
