#pragma once
// Keeps one search index per tenant (DATA_DIR/search/tenants/<tenant>) following the event store, on
// its own thread: Xapian indexes thousands of documents per second, not millions, so search
// never runs on the read models' applier. It reads the store after its position, turns each
// event into documents (EntityIndexer), commits every tenant touched every `commit_every`
// events and whenever it catches up, then records the position it reached in
// DATA_DIR/search/position (written atomically). A restart resumes from there; events between
// a tenant's commit and the recorded position are applied again, which changes nothing
// (a repeated creation is ignored, an update rewrites the same fields, a removal is a no-op).
// Thread-safety: Start/Stop from one thread; Position, WaitForPosition and Index from any.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <functional>
#include <thread>

#include "absl/status/status.h"
#include "search/search_index.h"
#include "store/event_store.h"

namespace readside::search {

struct SearchFollowerOptions {
  std::string dir;                  // DATA_DIR/search
  uint64_t batch_events = 4096;     // read from the store at a time
  uint64_t commit_every = 20'000;   // events between two commits while catching up
};

class SearchFollower {
 public:
  SearchFollower(store::EventStore* store, SearchFollowerOptions options);
  ~SearchFollower();
  // Reads the recorded position and starts following (from 0, with a warning, when the file
  // is unreadable: re-applying events changes nothing). FailedPrecondition when running.
  absl::Status Start();
  void Stop();

  // Every event up to here is indexed and committed.
  uint64_t Position() const { return position_.load(std::memory_order_acquire); }
  bool WaitForPosition(uint64_t position, std::chrono::milliseconds timeout);
  // The tenant's index (opened on first use), or null when it has none: no entity yet.
  std::shared_ptr<SearchIndex> Index(const std::string& org);
  // The directory name of a tenant's index: the id itself when it is plain (letters, digits,
  // '-', '_', '.', not leading), else "x" + its hex — never a path out of `dir`.
  static std::string TenantDir(const std::string& org);

 private:
  void Run();
  absl::Status CommitAll(uint64_t position);
  std::shared_ptr<SearchIndex> OpenLocked(const std::string& org, bool create);

  store::EventStore* store_;
  SearchFollowerOptions options_;
  std::atomic<uint64_t> position_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;

  std::mutex mu_;  // indexes_ and the position's waiters
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<SearchIndex>> indexes_;
  std::map<std::string, bool> dirty_;  // follower thread only
};

}  // namespace readside::search
