// Payload rules through both parse paths (ParserTest): money amounts' decimal places.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "event/parser_test_util.h"

namespace readside::event {
namespace {

std::string Opportunity(std::string_view amount) {
  return Envelope(
      "crm.opportunity.created",
      std::string(R"({"stage":"s","owner_id":"u","amount":)") + std::string(amount) + "}");
}

std::string Posting(std::string_view debit) {
  return Envelope("finance.transaction.posted",
                  std::string(R"({"lines":[{"account_code":"1000","debit":)") + std::string(debit) +
                      R"(,"credit":0},{"account_code":"4000","debit":0,"credit":1.5}]})");
}

using MoneyDecimalsTest = ParserTest;

// At most 4 decimal places, trailing zeros included, in strings as in numbers (an exponent
// shifts them: 1.5e-3 is 0.0015).
TEST_F(MoneyDecimalsTest, AtMostFourDecimalPlacesInStringsAndNumbers) {
  const uint64_t before = parser_.tape_accepted();
  for (auto [amount, units] :
       std::initializer_list<std::pair<std::string_view, int64_t>>{{"1.0000", 10000},
                                                                   {"\"1.0000\"", 10000},
                                                                   {"1.5e-3", 15},
                                                                   {"\"0.0001\"", 1},
                                                                   {"1.00000e1", 100000}}) {
    ASSERT_TRUE(Parse(Opportunity(amount))) << amount << ": " << errors_[0].message;
    EXPECT_EQ(ev_.field(1).money.units(), units) << amount;
  }
  EXPECT_EQ(parser_.tape_accepted() - before, 5u);  // the fast path decided them too
  const std::string kZeros = "must have at most 4 decimal places (trailing zeros count)";
  for (std::string_view amount : {"1.00000", "\"1.00000\"", "\"1.50000\"", "1.0e-4", "0e-5"}) {
    ExpectRejected(Opportunity(amount), "data.payload.amount", kZeros);
  }
  ExpectRejected(Opportunity("\"1.00001\""), "data.payload.amount",
                 "must have at most 4 decimal places");
  ExpectRejected(Posting("\"1.50000\""), "data.payload.lines[0].debit", kZeros);
  ExpectRejected(Posting("1.50000"), "data.payload.lines[0].debit", kZeros);
}

// Events stored before the rule keep parsing when read back from the store.
class StoredMoneyTest : public ParserTest {
 protected:
  StoredMoneyTest() : ParserTest({.assign_missing_event_id = false, .stored_input = true}) {}
};

TEST_F(StoredMoneyTest, TrailingZeroDecimalsStillReadFromTheStore) {
  const uint64_t before = parser_.tape_accepted();
  for (std::string_view amount : {"1.50000", "\"1.50000\"", "10e-5"}) {
    ASSERT_TRUE(Parse(Opportunity(amount))) << amount << ": " << errors_[0].message;
    EXPECT_EQ(ev_.field(1).money.units(), amount == "10e-5" ? 1 : 15000) << amount;
  }
  ASSERT_TRUE(Parse(Posting("1.50000")));
  EXPECT_EQ(ev_.ledger_lines[0].debit.units(), 15000);
  EXPECT_EQ(parser_.tape_accepted() - before, 4u);  // the fast path decided them too
  // Only the zeros: other digits past the fourth were never accepted.
  ExpectRejected(Opportunity("\"1.00001\""), "data.payload.amount",
                 "must have at most 4 decimal places");
}

}  // namespace
}  // namespace readside::event
