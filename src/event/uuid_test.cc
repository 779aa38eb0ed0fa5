#include "event/uuid.h"

#include <gtest/gtest.h>

#include <string>

namespace readside::event {
namespace {

TEST(UuidTest, VersionFourAndUnique) {
  std::string a = NewUuid(), b = NewUuid();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_TRUE(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b');
}

}  // namespace
}  // namespace readside::event
