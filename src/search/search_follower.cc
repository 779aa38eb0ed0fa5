#include "search/search_follower.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/env.h"
#include "event/parser.h"
#include "spdlog/spdlog.h"

namespace readside::search {
namespace {

absl::StatusOr<uint64_t> ReadPosition(const std::string& path) {
  absl::StatusOr<std::string> text = Env::Default()->ReadFile(path);
  if (absl::IsNotFound(text.status())) return 0;
  if (!text.ok()) return text.status();
  uint64_t position = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &position)) {
    return absl::DataLossError(path + " does not hold a position");
  }
  return position;
}

}  // namespace

SearchFollower::SearchFollower(store::EventStore* store, SearchFollowerOptions options)
    : store_(store), options_(std::move(options)) {}

SearchFollower::~SearchFollower() { Stop(); }

std::string SearchFollower::TenantDir(const std::string& org) {
  bool plain = !org.empty() && org.size() <= 100 && org[0] != '.' && org[0] != 'x';
  for (char c : org) {
    plain &= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '-' || c == '_' || c == '.';
  }
  if (plain) return org;
  std::string hex = "x";
  for (unsigned char c : org) absl::StrAppend(&hex, absl::Hex(c, absl::kZeroPad2));
  if (hex.size() > 200) {  // a file name holds 255 bytes: keep a prefix and a hash of the whole
    hex = absl::StrCat(hex.substr(0, 160), "-", absl::Hex(std::hash<std::string>()(org), absl::kZeroPad16));
  }
  return hex;
}

absl::Status SearchFollower::Start() {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("creating ", options_.dir, ": ", ec.message()));
  if (thread_.joinable()) return absl::FailedPreconditionError("the search follower runs");
  absl::StatusOr<uint64_t> position = ReadPosition(options_.dir + "/position");
  if (!position.ok()) {  // e.g. torn by a crash: re-applying events changes nothing
    spdlog::warn("{}; indexing the store again from its start", position.status().ToString());
    position = 0;
  }
  if (*position > store_->LastPosition()) {  // the store was replaced: index it again
    spdlog::warn("search index at {} is ahead of the store ({}); rebuilding it", *position,
                 store_->LastPosition());
    std::filesystem::remove_all(options_.dir, ec);
    if (!ec) std::filesystem::create_directories(options_.dir, ec);
    if (ec) return absl::InternalError(absl::StrCat("clearing ", options_.dir, ": ", ec.message()));
    *position = 0;
  }
  std::filesystem::create_directories(options_.dir + "/tenants", ec);
  if (ec) return absl::InternalError(absl::StrCat("creating ", options_.dir, "/tenants: ", ec.message()));
  // Failed tenants stay failed across restarts: they missed events until they are rebuilt.
  absl::StatusOr<std::string> failed = Env::Default()->ReadFile(options_.dir + "/failed");
  if (failed.ok()) {
    std::lock_guard lock(mu_);
    for (absl::string_view org : absl::StrSplit(*failed, '\n', absl::SkipEmpty())) {
      failed_.insert(std::string(org));
    }
  }
  position_.store(*position, std::memory_order_release);
  stop_ = false;
  running_ = true;
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void SearchFollower::Stop() {
  {
    std::lock_guard lock(mu_);  // a waiter checks stop_ under mu_: no lost wake-up
    stop_ = true;
    running_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  cv_.notify_all();  // waiters see the final position now
  AnswerWaiters(/*stopping=*/true);
}

bool SearchFollower::WaitForPosition(uint64_t position, std::chrono::milliseconds timeout) {
  blocking_waiters_.fetch_add(1);
  struct Leave {
    std::atomic<int>& n;
    ~Leave() { n.fetch_sub(1); }
  } leave{blocking_waiters_};
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout,
                      [&] { return Position() >= position || stop_.load(); }) &&
         Position() >= position;
}

void SearchFollower::WhenPosition(uint64_t position, std::chrono::milliseconds timeout,
                                  std::function<void(bool)> done) {
  {
    std::lock_guard lock(mu_);
    if (Position() < position && !stop_ && !cancelled_ && running_) {
      waiters_.push_back({position, std::chrono::steady_clock::now() + timeout, std::move(done)});
      return;
    }
  }
  done(Position() >= position);
}

void SearchFollower::CancelWaits() {
  cancelled_ = true;
  AnswerWaiters(/*stopping=*/true);
}

// Answers the waiters whose position is reached, whose deadline passed, or all (stopping).
void SearchFollower::AnswerWaiters(bool stopping) {
  std::vector<Waiter> ready;
  {
    std::lock_guard lock(mu_);
    if (waiters_.empty()) return;
    const auto now = std::chrono::steady_clock::now();
    const uint64_t at = Position();
    auto keep = std::partition(waiters_.begin(), waiters_.end(), [&](const Waiter& w) {
      return !stopping && at < w.position && now < w.deadline;
    });
    std::move(keep, waiters_.end(), std::back_inserter(ready));
    waiters_.erase(keep, waiters_.end());
  }
  for (Waiter& w : ready) w.done(Position() >= w.position);
}

std::shared_ptr<SearchIndex> SearchFollower::OpenLocked(const std::string& org, bool create) {
  if (failed_.contains(org)) return nullptr;
  auto it = indexes_.find(org);
  if (it != indexes_.end()) return it->second;
  const std::string dir = options_.dir + "/tenants/" + TenantDir(org);
  std::error_code ec;
  if (!create && !std::filesystem::exists(dir, ec)) return nullptr;
  absl::StatusOr<std::unique_ptr<SearchIndex>> opened = SearchIndex::Open(dir);
  if (!opened.ok()) {
    spdlog::error("search index of {}: {}", org, opened.status().ToString());
    return nullptr;
  }
  std::shared_ptr<SearchIndex> index = std::move(*opened);
  indexes_[org] = index;
  return index;
}

std::shared_ptr<SearchIndex> SearchFollower::Index(const std::string& org) {
  std::lock_guard lock(mu_);
  return OpenLocked(org, false);
}

bool SearchFollower::HasIndexOnDisk(const std::string& org) const {
  std::error_code ec;
  return std::filesystem::exists(options_.dir + "/tenants/" + TenantDir(org), ec);
}

bool SearchFollower::Failed(const std::string& org) const {
  std::lock_guard lock(mu_);
  return failed_.contains(org);
}

void SearchFollower::Rebuild(const std::string& org) {
  {
    std::lock_guard lock(mu_);
    rebuilds_.push_back(org);
  }
  cv_.notify_all();
}

void SearchFollower::MarkFailed(const std::string& org, const absl::Status& why) {
  spdlog::error("search index of {} failed and is left behind (POST /admin/rebuild/{} "
                "indexes it again): {}",
                org, org, why.ToString());
  indexers_.erase(org);
  dirty_.erase(org);
  std::lock_guard lock(mu_);
  failed_.insert(org);
  indexes_.erase(org);  // searches holding it finish on it
  SaveFailedLocked();
}

void SearchFollower::SaveFailedLocked() {
  std::string text;
  for (const std::string& org : failed_) absl::StrAppend(&text, org, "\n");
  if (absl::Status s = WriteFileAtomically(Env::Default(), options_.dir, "failed", text); !s.ok()) {
    spdlog::error("recording the failed search indexes: {}", s.ToString());
  }
}

absl::Status SearchFollower::CommitAll(uint64_t position) {
  for (auto it = dirty_.begin(); it != dirty_.end();) {
    const std::string org = it->first;
    const bool dirty = it->second;
    ++it;  // MarkFailed erases org's entry
    if (!dirty) continue;
    std::shared_ptr<SearchIndex> index;
    {
      std::lock_guard lock(mu_);
      index = OpenLocked(org, true);
    }
    absl::Status s = index ? index->Commit(position)
                           : absl::InternalError("search index of " + org + " does not open");
    if (!s.ok()) {
      MarkFailed(org, s);
      continue;
    }
    dirty_[org] = false;
  }
  if (absl::Status s = WriteFileAtomically(Env::Default(), options_.dir, "position",
                                           absl::StrCat(position, "\n"));
      !s.ok()) {
    return s;
  }
  {
    std::lock_guard lock(mu_);
    position_.store(position, std::memory_order_release);
  }
  cv_.notify_all();
  AnswerWaiters(/*stopping=*/false);
  return absl::OkStatus();
}

absl::Status SearchFollower::Apply(uint64_t after, uint64_t until, const std::string* only) {
  event::EventParser parser(
      {.assign_missing_event_id = false, .keep_json = false, .stored_input = true});
  event::Event e;
  std::vector<event::FieldError> errors;
  return store_->ReadRange(after, until, [&](const store::StoredEvent& stored) {
    const std::string& org = stored.organization_id;
    if (only != nullptr && org != *only) return true;
    if (!EntityIndexer::Indexes(stored.event_type)) return true;  // no entity: not parsed
    errors.clear();
    if (!parser.ParseOne(stored.json, &e, &errors)) return true;  // own state, not entities
    std::unique_ptr<EntityIndexer>& indexer = indexers_[org];
    if (!indexer) {
      std::shared_ptr<SearchIndex> index;
      {
        std::lock_guard lock(mu_);
        if (failed_.contains(org)) {
          indexers_.erase(org);
          return true;
        }
        index = OpenLocked(org, true);
      }
      if (!index) {
        MarkFailed(org, absl::InternalError("the index does not open"));
        return true;
      }
      indexer = std::make_unique<EntityIndexer>(index.get());  // indexes_ keeps it alive
    }
    if (absl::Status s = indexer->Apply(e); !s.ok()) {
      MarkFailed(org, s);
      return true;
    }
    dirty_[org] = true;
    return true;
  });
}

// On the follower thread: drops the indexes asked for and indexes the store again. A single
// tenant is re-indexed here up to `applied` (the others wait); every tenant's is re-indexed by
// following from 0 again.
void SearchFollower::DoRebuilds(uint64_t* applied, uint64_t* uncommitted) {
  std::vector<std::string> rebuilds;
  {
    std::lock_guard lock(mu_);
    rebuilds.swap(rebuilds_);
  }
  for (const std::string& org : rebuilds) {
    std::error_code ec;
    if (org.empty()) {
      spdlog::info("search: rebuilding every tenant's index from the store's start");
      indexers_.clear();
      dirty_.clear();
      {
        // Under mu_: a search opening an index (Index) must not see the directory half gone.
        std::lock_guard lock(mu_);
        indexes_.clear();
        failed_.clear();
        SaveFailedLocked();
        position_.store(0, std::memory_order_release);
        std::filesystem::remove_all(options_.dir + "/tenants", ec);
        std::filesystem::create_directories(options_.dir + "/tenants", ec);
      }
      WriteFileAtomically(Env::Default(), options_.dir, "position", "0\n").IgnoreError();
      *applied = 0;
      *uncommitted = 0;
      continue;
    }
    spdlog::info("search: rebuilding the index of {} up to {}", org, *applied);
    indexers_.erase(org);
    dirty_.erase(org);
    {
      std::lock_guard lock(mu_);  // as above
      indexes_.erase(org);
      if (failed_.erase(org) > 0) SaveFailedLocked();
      std::filesystem::remove_all(options_.dir + "/tenants/" + TenantDir(org), ec);
    }
    if (absl::Status s = Apply(0, *applied, &org); !s.ok()) {
      MarkFailed(org, s);
      continue;
    }
    if (!dirty_[org]) continue;  // no entity: no index
    std::shared_ptr<SearchIndex> index = Index(org);
    absl::Status s = index ? index->Commit(*applied) : absl::InternalError("no index");
    if (!s.ok()) {
      MarkFailed(org, s);
      continue;
    }
    dirty_[org] = false;
  }
}

void SearchFollower::Run() {
  pthread_setname_np(pthread_self(), "rs-search");
  // Background work: indexing yields the cores to ingest and the read models.
  if (options_.nice != 0) setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), options_.nice);
  uint64_t applied = Position(), uncommitted = 0;
  auto last_commit = std::chrono::steady_clock::now();
  while (!stop_) {
    DoRebuilds(&applied, &uncommitted);
    AnswerWaiters(/*stopping=*/false);  // deadlines
    const uint64_t last = store_->LastPosition();
    if (applied >= last) {
      auto since = std::chrono::steady_clock::now() - last_commit;
      bool waited_for = blocking_waiters_.load() > 0;
      if (!waited_for) {
        std::lock_guard lock(mu_);
        waited_for = !waiters_.empty();
      }
      if (uncommitted > 0 && !waited_for && since < options_.min_commit_interval) {
        // Caught up but committed recently: index what arrives meanwhile, commit later.
        store_->WaitForPosition(
            applied + 1, std::chrono::duration_cast<std::chrono::milliseconds>(
                             options_.min_commit_interval - since) + std::chrono::milliseconds(1));
        continue;
      }
      if (uncommitted > 0) {
        if (absl::Status s = CommitAll(applied); !s.ok()) {
          spdlog::error("search index commit failed: {}", s.ToString());
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
          continue;
        }
        uncommitted = 0;
        last_commit = std::chrono::steady_clock::now();
      }
      store_->WaitForPosition(applied + 1, std::chrono::milliseconds(100));
      continue;
    }
    const uint64_t until = std::min(last, applied + options_.batch_events);
    if (absl::Status read = Apply(applied, until, nullptr); !read.ok()) {  // the store's
      spdlog::error("search follower at {}: {}", applied, read.ToString());
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      indexers_.clear();  // re-read the batch: applying it again changes nothing
      continue;
    }
    uncommitted += until - applied;
    applied = until;
    if (uncommitted >= options_.commit_every) {
      if (absl::Status s = CommitAll(applied); !s.ok()) {
        spdlog::error("search index commit failed: {}", s.ToString());
        continue;
      }
      uncommitted = 0;
      last_commit = std::chrono::steady_clock::now();
    }
  }
  if (uncommitted > 0) CommitAll(applied).IgnoreError();
}

}  // namespace readside::search

namespace readside::search {

void SearchFollower::RegisterMetrics(MetricsRegistry* registry) const {
  registry->Add([this](std::string* out) {
    RenderGauge("readside_search_position", "position the search indexes have committed",
                static_cast<double>(Position()), out);
  });
}

}  // namespace readside::search
