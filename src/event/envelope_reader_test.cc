// Envelope and date-time rules through both parse paths (ParserTest): leap seconds.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/time_util.h"
#include "event/parser_test_util.h"

namespace readside::event {
namespace {

std::string AtTimestamp(std::string_view ts) {
  std::string j = Envelope("crm.contact.deleted", "{}");
  j.replace(j.find("2024-01-15T10:00:00Z"), 20, ts);
  return j;
}

std::string CheckedInAt(std::string_view ts) {
  return Envelope("hrm.attendance.checked_in",
                  std::string(R"({"employee_id":"e","scheduled_start":"2024-01-15T09:00:00Z",)") +
                      R"("checked_in_at":")" + std::string(ts) + "\"}");
}

std::string InvoiceDue(std::string_view due) {
  return Envelope(
      "finance.invoice.created",
      std::string(R"({"customer_id":"c","amount":5,"due_date":")") + std::string(due) + "\"}");
}

constexpr std::string_view kNotLeap = "must not have second 60 except for a leap second";

int64_t Micros(std::string_view ts) {
  int64_t v = 0;
  EXPECT_TRUE(ParseRfc3339(ts, &v)) << ts;
  return v;
}

using LeapSecondTest = ParserTest;

// Second 60 is valid only for a leap second that happened (23:59:60 UTC at the end of an IERS
// leap-second day, in any offset), and is the last microsecond before the next day.
TEST_F(LeapSecondTest, AcceptedOnlyOnLeapSecondDays) {
  const uint64_t before = parser_.tape_accepted();
  const int64_t end_2016 = Micros("2017-01-01T00:00:00Z") - 1;
  for (std::string_view ts : {"2016-12-31T23:59:60Z", "2017-01-01T00:59:60+01:00"}) {
    ASSERT_TRUE(Parse(AtTimestamp(ts))) << ts << ": " << errors_[0].message;
    EXPECT_EQ(ev_.timestamp_micros, end_2016) << ts;
    ASSERT_TRUE(Parse(CheckedInAt(ts))) << ts << ": " << errors_[0].message;
    EXPECT_EQ(ev_.field(2).integer, end_2016) << ts;
  }
  EXPECT_EQ(parser_.tape_accepted() - before, 4u);  // the fast path decided them too
  for (std::string_view ts : {"2024-01-15T10:00:60Z", "2017-12-31T23:59:60Z",
                              "2016-12-31T23:59:60+01:00", "2016-06-30T23:59:60Z"}) {
    ExpectRejected(AtTimestamp(ts), "timestamp", kNotLeap);
    ExpectRejected(CheckedInAt(ts), "data.payload.checked_in_at", kNotLeap);
    ExpectRejected(InvoiceDue(ts), "data.payload.due_date", kNotLeap);
  }
  ExpectRejected(AtTimestamp("2016-12-31T23:59:61Z"), "timestamp", "RFC 3339");
}

// Events stored before the rule keep parsing when read back from the store, with the
// timestamp they had.
class StoredLeapSecondTest : public ParserTest {
 protected:
  StoredLeapSecondTest() : ParserTest({.assign_missing_event_id = false, .stored_input = true}) {}
};

TEST_F(StoredLeapSecondTest, AnySecondSixtyStillReadFromTheStore) {
  const uint64_t before = parser_.tape_accepted();
  ASSERT_TRUE(Parse(AtTimestamp("2024-01-15T10:00:60Z"))) << errors_[0].message;
  EXPECT_EQ(ev_.timestamp_micros, Micros("2024-01-15T10:00:59.999999Z"));
  ASSERT_TRUE(Parse(CheckedInAt("2017-12-31T23:59:60Z"))) << errors_[0].message;
  EXPECT_EQ(ev_.field(2).integer, Micros("2018-01-01T00:00:00Z") - 1);
  EXPECT_EQ(parser_.tape_accepted() - before, 2u);  // the fast path decided them too
  ExpectRejected(AtTimestamp("2016-12-31T23:59:61Z"), "timestamp", "RFC 3339");
}

}  // namespace
}  // namespace readside::event
