#include "common/crash_point.h"

#if defined(READSIDE_CRASH_POINTS)

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace readside::crash {
namespace {

// Every point, in the order of the data path. A point in the code must be listed here (the
// crash test compares this list with the sources).
constexpr CrashPointInfo kCrashPoints[] = {
    {"store.commit.before_write",
     "group commit: the group's decisions and positions made, its WriteBatch not yet written"},
    {"store.commit.after_write",
     "group commit: the WriteBatch written and fsync'd, the position not published, nothing "
     "acknowledged"},
    {"store.index.before_write",
     "index thread: events durable, their organization/aggregate/idempotency entries and "
     "watermark not written"},
    {"store.index.after_write",
     "index thread: entries and watermark written without the WAL (memtable only), the "
     "in-memory pending keys not released"},
    {"kafka.offsets.before_write",
     "group commit of Kafka messages: the batch holds the events and the partitions' next "
     "offsets, not yet written"},
    {"kafka.offsets.after_write",
     "group commit of Kafka messages: events and offsets durable, the consumer not told"},
    {"snapshot.write.mid",
     "read-model snapshot: half of model.snap.tmp written, not fsync'd"},
    {"snapshot.write.before_rename",
     "read-model snapshot: model.snap.tmp whole and fsync'd, not renamed over model.snap"},
    {"snapshot.write.after_rename",
     "read-model snapshot: renamed over model.snap, the directory not fsync'd"},
    {"rebuild.swap.before",
     "blue/green rebuild: the new models caught up, the old ones still serving"},
    {"rebuild.swap.after",
     "blue/green rebuild: the new models swapped in and published, the rebuild not recorded done"},
    {"search.commit.before",
     "search follower: documents added to the tenants' Xapian indexes, none committed"},
    {"search.commit.mid",
     "search follower: one tenant's index committed, the others (if any) and the position "
     "file not"},
    {"search.commit.before_position",
     "search follower: every tenant's index committed, DATA_DIR/search/position not written"},
    {"schedule.run.after_intent",
     "report run: the intent (run_started) stored and applied, the message not sent"},
    {"schedule.run.before_outcome",
     "report run: the delivery attempted, its outcome (run_finished) not stored"},
    {"dashboard.change.before_append",
     "dashboard change: validated and encoded as an event, not appended"},
    {"dashboard.change.after_append",
     "dashboard change: its event durable, not applied by the projector, not answered"},
};

// What READSIDE_CRASH_POINT named; set before main() or by internal::Configure (tests).
std::string g_target;
uint64_t g_kill_at = 1;
std::atomic<uint64_t> g_hits{0};

bool Known(std::string_view name) {
  for (const CrashPointInfo& p : kCrashPoints) {
    if (p.name == name) return true;
  }
  return false;
}

// write(2): unbuffered, and safe however the process got here.
void Say(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

bool ReadEnvironment() {
  const char* spec = std::getenv("READSIDE_CRASH_POINT");
  if (spec == nullptr || *spec == '\0') return false;
  if (!internal::Configure(spec)) {
    Say(std::string("readside: READSIDE_CRASH_POINT=") + spec +
        " names no crash point of this build (expected <name>[:<n>], n >= 1; "
        "`readside crash-points` lists them)\n");
    ::_exit(2);
  }
  return true;
}

}  // namespace

bool g_armed = ReadEnvironment();

void Hit(std::string_view name) {
  if (name != g_target) return;
  uint64_t hit = g_hits.fetch_add(1, std::memory_order_relaxed) + 1;
  if (hit != g_kill_at) return;
  Say("crash point " + std::string(name) + " hit " + std::to_string(hit) + ": killing\n");
  ::raise(SIGKILL);
}

std::span<const CrashPointInfo> CrashPoints() { return kCrashPoints; }

namespace internal {

bool Configure(std::string_view spec) {
  g_armed = false;
  g_hits.store(0);
  g_target.clear();
  g_kill_at = 1;
  if (spec.empty()) return true;
  std::string_view name = spec;
  uint64_t n = 1;
  if (size_t colon = spec.rfind(':'); colon != std::string_view::npos) {
    name = spec.substr(0, colon);
    std::string_view count = spec.substr(colon + 1);
    if (count.empty() || count.size() > 9) return false;
    n = 0;
    for (char c : count) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    if (n == 0) return false;
  }
  if (!Known(name)) return false;
  g_target = std::string(name);
  g_kill_at = n;
  g_armed = true;
  return true;
}

}  // namespace internal
}  // namespace readside::crash

#endif  // READSIDE_CRASH_POINTS
