#include "search/search_follower.h"

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/env.h"
#include "event/parser.h"
#include "search/entity_indexer.h"
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
  position_.store(*position, std::memory_order_release);
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void SearchFollower::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  cv_.notify_all();  // waiters see the final position now
}

bool SearchFollower::WaitForPosition(uint64_t position, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout,
                      [&] { return Position() >= position || stop_.load(); }) &&
         Position() >= position;
}

std::shared_ptr<SearchIndex> SearchFollower::OpenLocked(const std::string& org, bool create) {
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

absl::Status SearchFollower::CommitAll(uint64_t position) {
  for (auto& [org, dirty] : dirty_) {
    if (!dirty) continue;
    std::shared_ptr<SearchIndex> index;
    {
      std::lock_guard lock(mu_);
      index = OpenLocked(org, true);
    }
    if (!index) return absl::InternalError("search index of " + org + " does not open");
    if (absl::Status s = index->Commit(position); !s.ok()) return s;
    dirty = false;
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
  return absl::OkStatus();
}

void SearchFollower::Run() {
  event::EventParser parser(
      {.assign_missing_event_id = false, .keep_json = false, .stored_input = true});
  event::Event e;
  std::vector<event::FieldError> errors;
  std::map<std::string, std::unique_ptr<EntityIndexer>> indexers;
  uint64_t applied = Position(), uncommitted = 0;
  while (!stop_) {
    const uint64_t last = store_->LastPosition();
    if (applied >= last) {
      if (uncommitted > 0) {
        if (absl::Status s = CommitAll(applied); !s.ok()) {
          spdlog::error("search index commit failed: {}", s.ToString());
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
          continue;
        }
        uncommitted = 0;
      }
      store_->WaitForPosition(applied + 1, std::chrono::milliseconds(100));
      continue;
    }
    const uint64_t until = std::min(last, applied + options_.batch_events);
    absl::Status failed;
    absl::Status read = store_->ReadRange(applied, until, [&](const store::StoredEvent& stored) {
      errors.clear();
      if (!parser.ParseOne(stored.json, &e, &errors)) return true;  // own state, not entities
      std::unique_ptr<EntityIndexer>& indexer = indexers[stored.organization_id];
      if (!indexer) {
        std::shared_ptr<SearchIndex> index;
        {
          std::lock_guard lock(mu_);
          index = OpenLocked(stored.organization_id, true);
        }
        if (!index) {
          failed = absl::InternalError("search index of " + stored.organization_id);
          return false;
        }
        indexer = std::make_unique<EntityIndexer>(index.get());  // indexes_ keeps it alive
      }
      if (absl::Status s = indexer->Apply(e); !s.ok()) {
        failed = s;
        return false;
      }
      dirty_[stored.organization_id] = true;
      return true;
    });
    if (!read.ok() || !failed.ok()) {
      spdlog::error("search follower at {}: {}", applied,
                    (read.ok() ? failed : read).ToString());
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      indexers.clear();  // re-read the batch: applying it again changes nothing
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
    }
  }
  if (uncommitted > 0) CommitAll(applied).IgnoreError();
}

}  // namespace readside::search
