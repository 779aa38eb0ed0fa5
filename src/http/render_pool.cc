#include "http/render_pool.h"

#include <algorithm>

namespace readside::http {

RenderPool::RenderPool(RenderPoolOptions options) {
  int n = options.threads;
  if (n <= 0) n = std::clamp(static_cast<int>(std::thread::hardware_concurrency()) / 2, 1, 4);
  capacity_ = options.queue > 0 ? options.queue : 2 * n;
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Work(); });
}

RenderPool::~RenderPool() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

bool RenderPool::TrySubmit(std::function<void()> job) {
  absl::MutexLock lock(&mu_);
  // Jobs waiting beyond the idle threads that will take them at once.
  int waiting = static_cast<int>(queue_.size()) - idle_;
  if (stop_ || waiting >= capacity_) return false;
  queue_.push_back(std::move(job));
  return true;
}

void RenderPool::Work() {
  while (true) {
    std::function<void()> job;
    {
      absl::MutexLock lock(&mu_);
      ++idle_;
      mu_.Await(absl::Condition(this, &RenderPool::HasWorkOrStop));
      --idle_;
      if (queue_.empty()) return;  // stopping, and nothing left to run
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

}  // namespace readside::http
