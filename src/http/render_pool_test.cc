#include "http/render_pool.h"

#include <gtest/gtest.h>

#include <atomic>

#include "absl/synchronization/notification.h"

namespace readside::http {
namespace {

TEST(RenderPoolTest, RunsJobsOnItsThreadsAndRefusesBeyondTheQueue) {
  // Declared before the pool: the pool's destructor runs the last job, which counts.
  absl::Notification release;
  std::atomic<int> started{0}, done{0};
  RenderPool pool({.threads = 2, .queue = 3});
  EXPECT_EQ(pool.threads(), 2);
  auto blocking = [&] {
    ++started;
    release.WaitForNotification();
    ++done;
  };
  ASSERT_TRUE(pool.TrySubmit(blocking));
  ASSERT_TRUE(pool.TrySubmit(blocking));
  while (started.load() < 2) std::this_thread::yield();  // both threads busy
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(pool.TrySubmit(blocking)) << i;
  EXPECT_FALSE(pool.TrySubmit(blocking));  // 2 running + 3 waiting: full
  release.Notify();
  while (done.load() < 5) std::this_thread::yield();
  EXPECT_TRUE(pool.TrySubmit([&] { ++done; }));
}

TEST(RenderPoolTest, TheDestructorRunsWhatIsQueued) {
  std::atomic<int> done{0};
  {
    RenderPool pool({.threads = 1, .queue = 8});
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(pool.TrySubmit([&] { ++done; }));
  }
  EXPECT_EQ(done.load(), 8);
}

TEST(RenderPoolTest, DefaultsFollowTheCores) {
  RenderPool pool;
  EXPECT_GE(pool.threads(), 1);
  EXPECT_LE(pool.threads(), 4);
  EXPECT_EQ(pool.queue_capacity(), 2 * pool.threads());
}

}  // namespace
}  // namespace readside::http
