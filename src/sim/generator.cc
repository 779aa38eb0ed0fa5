// Generator: drives the tenants' simulations slot by slot and layers the noise (late
// events, re-sends, invalid lines) on top. Two random streams keep the business stream
// independent of the noise options: the same seed gives the same events whatever the
// noise fractions are.
#include "sim/generator.h"

#include <utility>

#include "sim/event_builder.h"
#include "sim/malformed.h"
#include "sim/reorder_buffer.h"
#include "sim/rng.h"
#include "sim/sim_time.h"
#include "sim/tenant_profile.h"
#include "sim/tenant_sim.h"

namespace readside::sim {
namespace {

constexpr uint64_t kNoiseSeedSalt = 0x6e6f697365ULL;  // "noise"
constexpr size_t kRecentLines = 32;

int64_t MeanIntervalMicros(double eps) {
  double micros = 1e6 / eps + 0.5;
  return micros < 1 ? 1 : static_cast<int64_t>(micros);
}

uint64_t Threshold(double fraction) {  // fraction of 2^53, as Rng::Chance computes it
  if (fraction <= 0) return 0;
  if (fraction >= 1) return uint64_t{1} << 53;
  return static_cast<uint64_t>(fraction * 9007199254740992.0);
}

}  // namespace

class Generator::Impl {
 public:
  explicit Impl(GeneratorOptions options)
      : options_(std::move(options)),
        sim_rng_(options_.seed),
        noise_rng_(options_.seed ^ kNoiseSeedSalt),
        builder_(options_.tenants, &sim_rng_),
        reorder_(options_.out_of_order_fraction, options_.max_lateness_micros, &noise_rng_),
        malformer_(&noise_rng_),
        clock_(options_.start_unix_micros),
        mean_interval_(
            MeanIntervalMicros(options_.events_per_second > 0 ? options_.events_per_second : 0.05)),
        malformed_threshold_(Threshold(options_.malformed_fraction)),
        noise_threshold_(Threshold(options_.malformed_fraction + options_.duplicate_fraction)),
        keep_recent_(noise_threshold_ > 0) {
    for (size_t i = 0; i < options_.tenants.size(); ++i) {
      int index = static_cast<int>(i);
      tenants_.push_back(std::make_unique<TenantSim>(
          index, MakeTenantProfile(options_.tenants[i], index), &sim_rng_, &builder_));
    }
    weights_.resize(tenants_.size());
    recent_.resize(kRecentLines);
  }

  bool Next(std::string* line, int64_t* timestamp) {
    if (finished_ || tenants_.empty()) return false;
    if (options_.total_events != 0 && lines_ >= options_.total_events) return false;
    uint64_t r = noise_threshold_ > 0 ? noise_rng_.Next() >> 11 : ~uint64_t{0};
    // Noise lines copy recent business lines, and stop with the business stream.
    if (r < noise_threshold_ && recent_count_ > 0 && !source_done_) {
      const Recent& last = recent_[(recent_next_ + kRecentLines - 1) % kRecentLines];
      if (r < malformed_threshold_) {
        malformer_.Corrupt(last.line, line);
        *timestamp = last.timestamp;
      } else {
        const Recent& resent = PickResend();
        line->assign(resent.line);
        *timestamp = resent.timestamp;
      }
      ++lines_;
      return true;
    }
    if (!NextEvent(line, timestamp)) return false;
    ++lines_;
    return true;
  }

  void SetEventsPerSecond(double eps) {
    if (eps > 0) mean_interval_ = MeanIntervalMicros(eps);
  }

  void AdvanceClockTo(int64_t unix_micros) {
    if (clock_ < unix_micros) clock_ = unix_micros;
  }

  uint64_t lines() const { return lines_; }

 private:
  struct Recent {
    std::string line;
    int64_t timestamp = 0;
  };

  // The next event of the business stream, after the reorder buffer.
  bool NextEvent(std::string* line, int64_t* timestamp) {
    SimEvent* ev;
    while ((ev = reorder_.Pop()) == nullptr) {
      if (source_done_) {
        if (flushed_) {
          finished_ = true;
          return false;
        }
        reorder_.Flush();
        flushed_ = true;
        continue;
      }
      ProduceEvent();
    }
    line->assign(ev->line);
    *timestamp = ev->timestamp;
    if (ev->timestamp > max_emitted_) max_emitted_ = ev->timestamp;
    if (keep_recent_) {
      Recent& slot = recent_[recent_next_];
      slot.line.assign(ev->line);
      slot.timestamp = ev->timestamp;
      recent_next_ = (recent_next_ + 1) % kRecentLines;
      if (recent_count_ < kRecentLines) ++recent_count_;
    }
    free_.push_back(ev);
    return true;
  }

  // Runs one event slot: picks the tenant by its current share and lets it act.
  void ProduceEvent() {
    int64_t timestamp = FloorDiv(clock_, kMicrosPerMilli) * kMicrosPerMilli;
    if (options_.end_unix_micros != 0 && timestamp >= options_.end_unix_micros) {
      source_done_ = true;
      return;
    }
    for (size_t i = 0; i < tenants_.size(); ++i) weights_[i] = tenants_[i]->SlotWeight(timestamp);
    uint64_t total = 0;
    for (uint64_t w : weights_) total += w;
    uint64_t pick = sim_rng_.Below(total);
    size_t tenant = 0;
    while (pick >= weights_[tenant]) pick -= weights_[tenant++];
    SimEvent* ev = Allocate();
    tenants_[tenant]->Step(timestamp, ev);
    reorder_.Push(ev);
    clock_ += sim_rng_.Exponential(mean_interval_);
  }

  SimEvent* Allocate() {
    if (!free_.empty()) {
      SimEvent* ev = free_.back();
      free_.pop_back();
      return ev;
    }
    events_.push_back(std::make_unique<SimEvent>());
    return events_.back().get();
  }

  // A recent line to re-send, within the lateness allowance.
  const Recent& PickResend() {
    const Recent& candidate = recent_[noise_rng_.Below(recent_count_)];
    if (candidate.timestamp > max_emitted_ - options_.max_lateness_micros) return candidate;
    return recent_[(recent_next_ + kRecentLines - 1) % kRecentLines];
  }

  GeneratorOptions options_;
  Rng sim_rng_;
  Rng noise_rng_;
  EventBuilder builder_;
  ReorderBuffer reorder_;
  Malformer malformer_;
  std::vector<std::unique_ptr<TenantSim>> tenants_;
  std::vector<uint64_t> weights_;
  std::vector<std::unique_ptr<SimEvent>> events_;  // owns every SimEvent
  std::vector<SimEvent*> free_;
  std::vector<Recent> recent_;  // ring of the last emitted business lines
  size_t recent_next_ = 0;
  size_t recent_count_ = 0;
  int64_t clock_;
  int64_t mean_interval_;
  int64_t max_emitted_ = INT64_MIN;
  uint64_t malformed_threshold_;
  uint64_t noise_threshold_;
  bool keep_recent_;
  uint64_t lines_ = 0;
  bool source_done_ = false;
  bool flushed_ = false;
  bool finished_ = false;
};

Generator::Generator(GeneratorOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
Generator::~Generator() = default;

bool Generator::Next(std::string* line, int64_t* timestamp_micros) {
  return impl_->Next(line, timestamp_micros);
}

void Generator::SetEventsPerSecond(double eps) { impl_->SetEventsPerSecond(eps); }

void Generator::AdvanceClockTo(int64_t unix_micros) { impl_->AdvanceClockTo(unix_micros); }

uint64_t Generator::lines_produced() const { return impl_->lines(); }

}  // namespace readside::sim
