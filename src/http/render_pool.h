#pragma once
// The threads that build and render report exports (POST /reports/export/{format}). A PDF of
// a large table takes a core for a second or more; rendered on the HTTP threads, a burst of
// exports would stall every other route, and after a min_position wait it would even run on
// the projector's applier thread (view_route.h). The pool bounds the work instead: a few
// threads of its own and a short queue; an export that finds both full is answered 503 with
// Retry-After at once (docs/decisions.md "Export limits").
// Thread-safety: TrySubmit is safe from any thread.

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace readside::http {

struct RenderPoolOptions {
  // Rendering threads; 0: half the cores, at least 1 and at most 4 (the other half serves
  // HTTP, ingest and the projector).
  int threads = 0;
  // Exports that may wait for a thread; 0: two per thread. More are refused (503).
  int queue = 0;
};

class RenderPool {
 public:
  explicit RenderPool(RenderPoolOptions options = {});
  // Runs every queued job, then joins the threads.
  ~RenderPool();
  RenderPool(const RenderPool&) = delete;
  RenderPool& operator=(const RenderPool&) = delete;

  // Queues `job` for a rendering thread; false (and `job` dropped unrun) when every thread
  // is busy and the queue is full.
  bool TrySubmit(std::function<void()> job);

  int threads() const { return static_cast<int>(threads_.size()); }
  int queue_capacity() const { return capacity_; }

 private:
  void Work();
  bool HasWorkOrStop() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stop_ || !queue_.empty();
  }

  int capacity_ = 0;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  int idle_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace readside::http
