#include "projection/consistency_service.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include "spdlog/spdlog.h"
#include "store/event_store.h"

namespace readside::projection {

ConsistencyService::ConsistencyService(store::EventStore* store, Projector* projector,
                                       const Clock* clock, ConsistencyOptions options)
    : store_(store), projector_(projector), clock_(clock), options_(std::move(options)) {}

ConsistencyService::~ConsistencyService() { Stop(); }

void ConsistencyService::Start() {
  absl::MutexLock lock(&mu_);
  if (started_ || stop_) return;
  started_ = true;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "rs-consistency");
    if (options_.nice != 0) {
      setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), options_.nice);
    }
    Loop();
  });
}

void ConsistencyService::Stop() {
  std::deque<Job> left;
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    cancel_.store(true);
  }
  if (thread_.joinable()) thread_.join();
  {
    absl::MutexLock lock(&mu_);
    left.swap(jobs_);
  }
  for (Job& job : left) {  // never run: their callers are answered
    if (job.run) {
      job.run(cancel_);
      continue;
    }
    for (CheckDone& done : job.done) done(absl::UnavailableError("the server is stopping"));
  }
}

absl::Status ConsistencyService::Check(const std::string& org, bool repair, CheckDone done) {
  absl::MutexLock lock(&mu_);
  if (stop_) return absl::UnavailableError("the server is stopping");
  for (Job& job : jobs_) {
    if (!job.run && job.org == org) {
      job.repair = job.repair || repair;
      job.done.push_back(std::move(done));
      return absl::OkStatus();
    }
  }
  if (jobs_.size() >= options_.max_pending) {
    return absl::UnavailableError(std::to_string(jobs_.size()) +
                                  " consistency checks and reconciliations are waiting");
  }
  Job job{.org = org, .repair = repair};
  job.done.push_back(std::move(done));
  jobs_.push_back(std::move(job));
  return absl::OkStatus();
}

absl::Status ConsistencyService::Run(const std::string& org,
                                     std::function<void(const std::atomic<bool>&)> run) {
  absl::MutexLock lock(&mu_);
  if (stop_) return absl::UnavailableError("the server is stopping");
  for (const Job& job : jobs_) {
    if (job.run && job.org == org) {
      return absl::UnavailableError("a reconciliation of " + org +
                                    " is already waiting; retry once it is answered");
    }
  }
  if (jobs_.size() >= options_.max_pending) {
    return absl::UnavailableError(std::to_string(jobs_.size()) +
                                  " consistency checks and reconciliations are waiting");
  }
  jobs_.push_back(Job{.org = org, .run = std::move(run)});
  return absl::OkStatus();
}

std::optional<CheckResult> ConsistencyService::LastCheck(const std::string& org) const {
  absl::MutexLock lock(&mu_);
  auto it = last_.find(org);
  if (it == last_.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, CheckResult> ConsistencyService::LastChecks() const {
  absl::MutexLock lock(&mu_);
  return last_;
}

ConsistencyStats ConsistencyService::Stats() const {
  return {.checks_consistent = checks_consistent_.load(),
          .checks_drift = checks_drift_.load(),
          .checks_failed = checks_failed_.load(),
          .drift = drift_.load(),
          .repairs = repairs_.load(),
          .reconciliations = reconciliations_.load()};
}

void ConsistencyService::Loop() {
  using SteadyClock = std::chrono::steady_clock;
  const bool background = options_.interval.count() > 0;
  SteadyClock::time_point next_background = SteadyClock::now();
  std::chrono::nanoseconds last_cost{0};
  while (true) {
    Job job;
    bool have_job = false;
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_ || !jobs_.empty();
      };
      while (!has_work()) {
        if (!background) {
          mu_.Await(absl::Condition(&has_work));
        } else if (!mu_.AwaitWithTimeout(
                       absl::Condition(&has_work),
                       absl::FromChrono(std::max<SteadyClock::duration>(
                           next_background - SteadyClock::now(), SteadyClock::duration::zero())))) {
          if (SteadyClock::now() >= next_background) break;  // a background tick is due
        }
      }
      if (stop_) return;
      if (!jobs_.empty()) {
        job = std::move(jobs_.front());
        jobs_.pop_front();
        have_job = true;
      }
    }
    if (have_job && job.run) {
      job.run(cancel_);
      continue;
    }
    if (have_job) {
      absl::StatusOr<CheckResult> result = CheckNow(job.org, job.repair, "request");
      for (CheckDone& done : job.done) done(result);
      continue;
    }
    // A background tick: the next tenant in name order.
    SteadyClock::time_point began = SteadyClock::now();
    size_t tenants = projector_->Current()->tenants.size();
    std::string org = NextBackgroundTenant();
    // A tenant whose rebuild is queued or running is being repaired already: checking it
    // again would count the same drift twice.
    if (!org.empty() && !projector_->GetRebuildStatus(org).active() &&
        !projector_->GetRebuildStatus("*").active()) {
      CheckNow(org, options_.repair, "background").IgnoreError();
    }
    last_cost = SteadyClock::now() - began;
    auto spread = options_.interval / std::max<size_t>(tenants, 1);
    next_background = SteadyClock::now() +
                      std::max<std::chrono::nanoseconds>(spread, last_cost * options_.duty_ratio);
  }
}

std::string ConsistencyService::NextBackgroundTenant() {
  std::shared_ptr<const ModelSnapshot> snapshot = projector_->Current();
  std::string first, next;
  for (const auto& [org, view] : snapshot->tenants) {
    if (first.empty() || org < first) first = org;
    if (org > background_cursor_ && (next.empty() || org < next)) next = org;
  }
  background_cursor_ = next.empty() ? first : next;  // after the last, the first again
  return background_cursor_;
}

absl::StatusOr<CheckResult> ConsistencyService::CheckNow(const std::string& org, bool repair,
                                                         std::string trigger) {
  std::shared_ptr<const TenantView> live;
  uint64_t position;
  {
    // One snapshot: the view and the position it reflects (released before the replay).
    std::shared_ptr<const ModelSnapshot> snapshot = projector_->Current();
    position = snapshot->position;
    if (auto it = snapshot->tenants.find(org); it != snapshot->tenants.end()) live = it->second;
  }
  CheckResult r{.trigger = std::move(trigger), .started_micros = clock_->NowMicros()};
  absl::StatusOr<ConsistencyReport> report =
      CheckTenant(*store_, org, std::move(live), position,
                  {.max_differences = options_.max_differences,
                   .cancel = &cancel_,
                   .now_micros = r.started_micros});
  if (!report.ok()) {
    if (!absl::IsNotFound(report.status()) && !absl::IsCancelled(report.status())) {
      checks_failed_.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("consistency check of {} failed: {}", org, report.status().ToString());
    }
    if (absl::IsCancelled(report.status())) {
      return absl::UnavailableError("the server is stopping");
    }
    return report.status();
  }
  r.report = *std::move(report);
  r.finished_micros = clock_->NowMicros();
  if (r.report.differences_total == 0) {
    checks_consistent_.fetch_add(1, std::memory_order_relaxed);
  } else {
    checks_drift_.fetch_add(1, std::memory_order_relaxed);
    drift_.fetch_add(r.report.differences_total, std::memory_order_relaxed);
    r.repair_requested = repair;
    if (repair) {
      absl::StatusOr<RebuildTicket> ticket = projector_->RequestRebuild(org);
      if (ticket.ok()) {
        repairs_.fetch_add(1, std::memory_order_relaxed);
        r.repair = *std::move(ticket);
      } else {
        r.repair_error = std::string(ticket.status().message());
      }
    }
    spdlog::warn("consistency: tenant {} drifted at position {}: {} difference(s){}", org,
                 r.report.position, r.report.differences_total,
                 !repair            ? ", not repaired (repair=false)"
                 : r.repair         ? "; repairing with a rebuild of the tenant"
                                    : "; no repair: " + r.repair_error);
  }
  absl::MutexLock lock(&mu_);
  last_[org] = r;
  return r;
}

void ConsistencyService::RegisterMetrics(MetricsRegistry* registry) const {
  registry->Add([this](std::string* out) {
    RenderCounter("readside_consistency_drift_total",
                  "differences found between live read models and a replay of their events",
                  drift_.load(std::memory_order_relaxed), out);
    *out += "# HELP readside_consistency_checks_total consistency checks, by result\n"
            "# TYPE readside_consistency_checks_total counter\n";
    std::pair<const char*, uint64_t> results[] = {{"consistent", checks_consistent_.load()},
                                                  {"drift", checks_drift_.load()},
                                                  {"failed", checks_failed_.load()}};
    for (const auto& [result, n] : results) {
      *out += std::string("readside_consistency_checks_total{result=\"") + result + "\"} " +
              std::to_string(n) + "\n";
    }
    RenderCounter("readside_consistency_repairs_total",
                  "tenant rebuilds queued to repair drift", repairs_.load(), out);
    RenderCounter("readside_reconciliations_total", "control totals reconciled",
                  reconciliations_.load(), out);
  });
}

}  // namespace readside::projection
