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

TEST(UuidTest, NameBasedVersionFiveMatchesRfc4122) {
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org").
  EXPECT_EQ(NameUuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  std::string a = NameUuid(kReadsideNamespace, "kafka:erp/3/1017");
  EXPECT_EQ(a, NameUuid(kReadsideNamespace, "kafka:erp/3/1017")) << "the same name, the same id";
  EXPECT_NE(a, NameUuid(kReadsideNamespace, "kafka:erp/3/1018"));
  EXPECT_EQ(a[14], '5');
}

}  // namespace
}  // namespace readside::event
