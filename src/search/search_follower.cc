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
#include "common/crash_point.h"
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
  // Damaged tenants (DATA_DIR/search/damaged) and tenants whose rebuild had begun
  // (DATA_DIR/search/rebuilding) are rebuilt again: their index may be half built.
  {
    auto read_list = [&](const char* name, std::string* saved) {
      std::vector<std::string> orgs;
      saved->clear();
      absl::StatusOr<std::string> text = Env::Default()->ReadFile(options_.dir + "/" + name);
      if (!text.ok()) return orgs;
      *saved = *text;
      for (absl::string_view org : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
        orgs.emplace_back(org);
      }
      return orgs;
    };
    std::vector<std::string> failed = read_list("failed", &saved_failed_);
    std::vector<std::string> damaged = read_list("damaged", &saved_damaged_);
    std::vector<std::string> unfinished = read_list("rebuilding", &saved_unfinished_);
    std::lock_guard lock(mu_);
    failed_.insert(failed.begin(), failed.end());
    for (const std::string& org : damaged) {
      if (damaged_.insert(org).second) rebuilds_.push_back(org);
    }
    for (const std::string& org : unfinished) {
      if (unfinished_.insert(org).second && !damaged_.contains(org)) rebuilds_.push_back(org);
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

std::shared_ptr<SearchIndex> SearchFollower::OpenLocked(const std::string& org, bool create,
                                                        absl::Status* error) {
  if (failed_.contains(org) || AwaitsRebuildLocked(org)) return nullptr;
  auto it = indexes_.find(org);
  if (it != indexes_.end()) return it->second;
  const std::string dir = options_.dir + "/tenants/" + TenantDir(org);
  std::error_code ec;
  if (!create && !std::filesystem::exists(dir, ec)) return nullptr;
  absl::StatusOr<std::unique_ptr<SearchIndex>> opened =
      options_.open_index ? options_.open_index(dir) : SearchIndex::Open(dir);
  if (!opened.ok()) {
    if (error != nullptr) *error = opened.status();
    if (absl::IsDataLoss(opened.status()) && org != rebuilding_) {
      MarkDamagedLocked(org, opened.status());  // recorded on disk by the follower thread
    } else {
      spdlog::error("search index of {}: {}", org, opened.status().ToString());
    }
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

bool SearchFollower::Damaged(const std::string& org) const {
  std::lock_guard lock(mu_);
  return damaged_.contains(org);
}

int SearchFollower::TimesFoundDamaged(const std::string& org) const {
  std::lock_guard lock(mu_);
  auto it = found_damaged_.find(org);
  return it == found_damaged_.end() ? 0 : it->second;
}

void SearchFollower::ReportDamaged(const std::string& org, const absl::Status& why) {
  if (!absl::IsDataLoss(why)) return;
  {
    std::lock_guard lock(mu_);
    // Its rebuild is queued or running (a search of the index being rebuilt meets a new
    // one), it is left behind, or its check is queued already.
    if (org == rebuilding_ || damaged_.contains(org) || failed_.contains(org) ||
        suspects_.contains(org)) {
      return;
    }
    auto clean = checked_clean_.find(org);
    if (clean != checked_clean_.end() && std::chrono::steady_clock::now() < clean->second) {
      return;  // checked sound a moment ago: not read again for every failing search
    }
    suspects_.emplace(org, why);
  }
  spdlog::warn("a search of {} met a damaged index ({}); checking it", org, why.ToString());
  cv_.notify_all();
}

void SearchFollower::MarkDamagedLocked(const std::string& org, const absl::Status& why) {
  if (!damaged_.insert(org).second) return;  // its rebuild is queued already
  ++found_damaged_[org];
  spdlog::warn("search index of {} is damaged ({}); rebuilding it from the store", org,
               why.ToString());
  rebuilds_.push_back(org);
}

// Follower thread: reads each index a search reported damaged (SearchIndex::Check) and drops
// it for a rebuild only when the check confirms the damage. The check runs outside mu_:
// searches and Index go on meanwhile.
void SearchFollower::ConfirmSuspects() {
  std::map<std::string, absl::Status> suspects;
  {
    std::lock_guard lock(mu_);
    if (suspects_.empty()) return;
    suspects.swap(suspects_);
  }
  for (const auto& [org, why] : suspects) {
    {
      std::lock_guard lock(mu_);
      if (failed_.contains(org) || damaged_.contains(org)) continue;
    }
    absl::Status checked = SearchIndex::Check(options_.dir + "/tenants/" + TenantDir(org));
    // Checks() counts a check once its outcome is recorded (damaged, or checked sound until
    // a minute from now): a report right after it sees that outcome.
    if (absl::IsDataLoss(checked)) {
      indexers_.erase(org);  // its events wait for the rebuild, which indexes them all
      dirty_.erase(org);
      std::lock_guard lock(mu_);
      indexes_.erase(org);  // searches holding it finish on it
      MarkDamagedLocked(org, checked);
      checks_.fetch_add(1);
      continue;
    }
    if (checked.ok()) {
      spdlog::warn("a search of {} met {}, but its index checks out: kept", org, why.ToString());
    } else {
      spdlog::error("checking the search index of {} (a search met {}): {}; kept", org,
                    why.ToString(), checked.ToString());
    }
    std::lock_guard lock(mu_);
    checked_clean_[org] = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    checks_.fetch_add(1);
  }
}

// Follower thread: writes the failed and damaged tenants and the unfinished rebuilds where
// they changed, outside mu_ (an fsync each). Returns whether every list is on disk.
bool SearchFollower::PersistLists() {
  std::string failed, damaged, unfinished;
  {
    std::lock_guard lock(mu_);
    for (const std::string& org : failed_) absl::StrAppend(&failed, org, "\n");
    for (const std::string& org : damaged_) absl::StrAppend(&damaged, org, "\n");
    for (const std::string& org : unfinished_) absl::StrAppend(&unfinished, org, "\n");
  }
  bool ok = true;
  auto save = [&](const char* name, const std::string& text, std::string* saved) {
    if (text == *saved) return;
    if (absl::Status s = WriteFileAtomically(Env::Default(), options_.dir, name, text);
        !s.ok()) {
      spdlog::error("recording the search indexes in {}/{}: {}", options_.dir, name,
                    s.ToString());
      ok = false;
      return;
    }
    *saved = text;
  };
  save("failed", failed, &saved_failed_);
  save("damaged", damaged, &saved_damaged_);
  save("rebuilding", unfinished, &saved_unfinished_);
  return ok;
}

void SearchFollower::Rebuild(const std::string& org) {
  {
    std::lock_guard lock(mu_);
    rebuilds_.push_back(org);
  }
  cv_.notify_all();
}

void SearchFollower::MarkFailed(const std::string& org, const absl::Status& why) {
  indexers_.erase(org);
  dirty_.erase(org);
  if (absl::IsResourceExhausted(why) || absl::IsUnavailable(why)) {
    // The disk refused a write, a read or an fsync (full, an I/O error): nothing says the
    // index is damaged, and a rebuild would meet the same disk. The index is kept, closed
    // (Xapian dropped what it had not committed), and written again from the recorded
    // position after a pause (Run).
    {
      std::lock_guard lock(mu_);
      indexes_.erase(org);  // reopened on the retry (searches holding it finish on it)
    }
    if (transient_.ok()) {
      transient_ = absl::Status(why.code(), absl::StrCat("search index of ", org, ": ",
                                                         why.message()));
    }
    return;
  }
  {
    std::lock_guard lock(mu_);
    indexes_.erase(org);  // searches holding it finish on it
    if (absl::IsDataLoss(why) && org != rebuilding_) {
      MarkDamagedLocked(org, why);
    } else {
      spdlog::error("search index of {} failed and is left behind (POST /admin/rebuild/{} "
                    "indexes it again): {}",
                    org, org, why.ToString());
      failed_.insert(org);
    }
  }
  PersistLists();  // before the position moves past the events it skips
}

absl::Status SearchFollower::CommitAll(uint64_t position) {
  READSIDE_CRASH_POINT("search.commit.before");
  for (auto it = dirty_.begin(); it != dirty_.end();) {
    const std::string org = it->first;
    const bool dirty = it->second;
    ++it;  // MarkFailed erases org's entry
    if (!dirty) continue;
    std::shared_ptr<SearchIndex> index;
    absl::Status open_error;
    {
      std::lock_guard lock(mu_);
      if (AwaitsRebuildLocked(org)) {  // found damaged by a search: its rebuild commits it
        dirty_.erase(org);
        continue;
      }
      index = OpenLocked(org, true, &open_error);
    }
    absl::Status s = index ? index->Commit(position)
                     : !open_error.ok()
                         ? open_error
                         : absl::InternalError("search index of " + org + " does not open");
    if (!s.ok()) {
      MarkFailed(org, s);
      if (!transient_.ok()) return transient_;  // the position stays: written again later
      continue;
    }
    dirty_[org] = false;
    READSIDE_CRASH_POINT("search.commit.mid");
  }
  READSIDE_CRASH_POINT("search.commit.before_position");
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
      absl::Status open_error;
      {
        std::lock_guard lock(mu_);
        if (failed_.contains(org) || AwaitsRebuildLocked(org)) {
          indexers_.erase(org);
          return true;
        }
        index = OpenLocked(org, true, &open_error);
        if (!index && AwaitsRebuildLocked(org)) {  // found damaged as it opened
          indexers_.erase(org);
          return true;
        }
      }
      if (!index) {
        MarkFailed(org, open_error.ok() ? absl::InternalError("the index does not open")
                                        : open_error);
        return transient_.ok();  // a refusing disk: stop here, Run tries again later
      }
      indexer = std::make_unique<EntityIndexer>(index.get());  // indexes_ keeps it alive
    }
    if (absl::Status s = indexer->Apply(e); !s.ok()) {
      MarkFailed(org, s);
      return transient_.ok();
    }
    dirty_[org] = true;
    return true;
  });
}

// On the follower thread: confirms the damage searches reported, records the lists that
// changed, drops the indexes asked for and indexes the store again. A single tenant is
// re-indexed here up to `applied` (the others wait); every tenant's is re-indexed by
// following from 0 again. A disk refusing a write (transient_) leaves the rebuilds not begun
// queued for Run's retry.
void SearchFollower::DoRebuilds(uint64_t* applied, uint64_t* uncommitted) {
  ConfirmSuspects();
  PersistLists();  // damage found by other threads (Index), recorded here, outside mu_
  std::vector<std::string> rebuilds;
  {
    std::lock_guard lock(mu_);
    rebuilds.swap(rebuilds_);
  }
  auto requeue_from = [&](size_t i) {
    std::lock_guard lock(mu_);
    rebuilds_.insert(rebuilds_.begin(), rebuilds.begin() + static_cast<ptrdiff_t>(i),
                     rebuilds.end());
  };
  for (size_t i = 0; i < rebuilds.size(); ++i) {
    const std::string org = rebuilds[i];
    std::error_code ec;
    if (!transient_.ok()) {
      requeue_from(i);
      return;
    }
    if (org.empty()) {
      spdlog::info("search: rebuilding every tenant's index from the store's start");
      // Position 0 is durable before the indexes go: a crash in between re-indexes from
      // the start on restart instead of following on from the old position with nothing
      // behind it (found by the crash test).
      if (absl::Status s =
              WriteFileAtomically(Env::Default(), options_.dir, "position", "0\n");
          !s.ok()) {
        transient_ = absl::UnavailableError(
            absl::StrCat("recording position 0 for a rebuild: ", s.message()));
        requeue_from(i);
        return;
      }
      indexers_.clear();
      dirty_.clear();
      {
        // Under mu_: a search opening an index (Index) must not see the directory half gone.
        std::lock_guard lock(mu_);
        indexes_.clear();
        failed_.clear();
        damaged_.clear();  // every index is indexed again from the start
        unfinished_.clear();
        suspects_.clear();
        position_.store(0, std::memory_order_release);
        std::filesystem::remove_all(options_.dir + "/tenants", ec);
        std::filesystem::create_directories(options_.dir + "/tenants", ec);
      }
      PersistLists();
      *applied = 0;
      *uncommitted = 0;
      continue;
    }
    spdlog::info("search: rebuilding the index of {} up to {}", org, *applied);
    indexers_.erase(org);
    dirty_.erase(org);
    {
      std::lock_guard lock(mu_);
      indexes_.erase(org);
      failed_.erase(org);
      // Listed as begun (DATA_DIR/search/rebuilding) before its index goes, so a crash before
      // the rebuild commits rebuilds it again on restart; otherwise the follower would go on
      // from its position with this tenant's earlier events missing (found by the crash
      // test). Not a sign of damage: an operator's rebuild is listed too, and its searches
      // answer from what is re-indexed so far, as they always did.
      unfinished_.insert(org);
      rebuilding_ = org;  // damage found from here on is MarkFailed's, not another rebuild
    }
    if (!PersistLists()) {  // not on disk: the index is not dropped yet
      {
        std::lock_guard lock(mu_);
        rebuilding_.clear();
      }
      transient_ = absl::UnavailableError("recording the search index rebuild of " + org +
                                          " failed");
      requeue_from(i);
      return;
    }
    {
      std::lock_guard lock(mu_);  // as above
      // Dropped again: a search may have opened the index while the lists were written
      // (outside mu_), and writing through that instance after its files are gone fails
      // ("Couldn't write new rev file", found by the crash test).
      indexes_.erase(org);
      std::filesystem::remove_all(options_.dir + "/tenants/" + TenantDir(org), ec);
    }
    RebuildTenant(org, *applied);
    const bool again = !transient_.ok();  // the disk refused: rebuilt again after the pause
    {
      std::lock_guard lock(mu_);
      rebuilding_.clear();
      if (!again) {
        unfinished_.erase(org);
        damaged_.erase(org);  // rebuilt (or failed: Failed says so)
      }
    }
    if (again) {
      requeue_from(i);
      return;
    }
    PersistLists();
  }
}

// On the follower thread, after `org`'s index was dropped: indexes its events up to `applied`
// and commits them.
void SearchFollower::RebuildTenant(const std::string& org, uint64_t applied) {
  if (absl::Status s = Apply(0, applied, &org); !s.ok()) {
    MarkFailed(org, s);
    return;
  }
  if (!transient_.ok()) return;
  if (!dirty_[org]) return;  // no entity: no index
  std::shared_ptr<SearchIndex> index;
  absl::Status open_error;
  {
    std::lock_guard lock(mu_);
    index = OpenLocked(org, false, &open_error);
  }
  absl::Status s = index ? index->Commit(applied)
                   : !open_error.ok() ? open_error
                                      : absl::InternalError("no index");
  if (!s.ok()) {
    MarkFailed(org, s);
    return;
  }
  dirty_[org] = false;
}

void SearchFollower::Run() {
  pthread_setname_np(pthread_self(), "rs-search");
  // Background work: indexing yields the cores to ingest and the read models.
  if (options_.nice != 0) setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), options_.nice);
  uint64_t applied = Position(), uncommitted = 0;
  auto last_commit = std::chrono::steady_clock::now();
  std::chrono::milliseconds pause = options_.retry_pause;
  while (!stop_) {
    DoRebuilds(&applied, &uncommitted);
    if (!transient_.ok()) {
      // The disk refused (full, an I/O error, a failed fsync): what was not committed is
      // written again from the recorded position after a pause, longer each time in a row;
      // the indexes stay as they are (applying an event again changes nothing).
      spdlog::error("{}; the search indexes are kept and written again from position {} in "
                    "{} ms",
                    transient_.ToString(), Position(), pause.count());
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, pause, [&] { return stop_.load(); });
      }
      pause = std::min(pause * 2, std::chrono::milliseconds(30'000));
      transient_ = absl::OkStatus();
      ++retries_;
      indexers_.clear();
      applied = Position();
      uncommitted = 0;
      continue;
    }
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
          if (!transient_.ok()) continue;  // paused and retried above
          spdlog::error("search index commit failed: {}", s.ToString());
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
          continue;
        }
        uncommitted = 0;
        last_commit = std::chrono::steady_clock::now();
        pause = options_.retry_pause;
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
    if (!transient_.ok()) continue;  // paused and retried above
    uncommitted += until - applied;
    applied = until;
    if (uncommitted >= options_.commit_every) {
      if (absl::Status s = CommitAll(applied); !s.ok()) {
        if (!transient_.ok()) continue;
        spdlog::error("search index commit failed: {}", s.ToString());
        continue;
      }
      uncommitted = 0;
      last_commit = std::chrono::steady_clock::now();
      pause = options_.retry_pause;
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
