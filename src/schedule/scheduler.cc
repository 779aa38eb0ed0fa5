#include <future>
#include "schedule/scheduler.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "common/crash_point.h"
#include "common/time_util.h"
#include "common/time_zone.h"
#include "event/uuid.h"
#include "projection/projector.h"
#include "render/render.h"
#include "report/report.h"
#include "schedule/cron.h"
#include "schedule/mime.h"
#include "spdlog/spdlog.h"
#include "store/event_store.h"

namespace readside::schedule {
namespace {

using own_state::ReportSchedule;
using own_state::RunStatus;
using projection::Granularity;

constexpr size_t kMaxRecipients = 100;
constexpr size_t kMaxSubject = 200;
constexpr size_t kMaxCron = 200;
constexpr size_t kMaxSchedulesPerTenant = 100;
constexpr size_t kMaxDuePerPass = 100;
constexpr std::string_view kPeriodRules[] = {"previous_month", "current_month",
                                             "previous_quarter", "previous_year"};

Problem Invalid(std::string field, std::string message) {
  // Validators may already name the field ("cron: minute: 61 is out of range"): once is enough.
  if (message.starts_with(field + ": ")) message.erase(0, field.size() + 2);
  Problem p;
  p.status = 400;
  p.title = "Invalid schedule";
  p.detail = field + ": " + message;
  p.errors.push_back({std::move(field), std::move(message)});
  return p;
}

// A UUID-shaped id derived from `text`: the same run and attempt always get the same event id,
// so the store refuses a second copy of an intent or outcome.
std::string DerivedUuid(std::string_view text) {
  uint64_t a = BackoffSeed(text);
  uint64_t b = BackoffSeed(std::string(text) + "#");
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-8%03x-%04x-%012llx",
                static_cast<unsigned>(a >> 32), static_cast<unsigned>((a >> 16) & 0xffff),
                static_cast<unsigned>(a & 0xfff), static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string Domain(std::string_view address) {
  size_t at = address.rfind('@');
  return at == std::string_view::npos ? "readside.invalid" : std::string(address.substr(at + 1));
}

// The period a rule means for a run due at `due`: relative to the due instant's date in the
// schedule's time zone (the date its cron expression speaks of), as a period of the tenant's
// calendar ("previous_month" on 1 May at 00:30 Berlin is April, whatever the tenant's zone).
std::string ResolvePeriod(std::string_view rule, int64_t due, const absl::TimeZone& zone) {
  absl::CivilDay civil = absl::ToCivilDay(absl::FromUnixMicros(due), zone);
  projection::DayNumber day = projection::DayNumberFromCivil(
      static_cast<int>(civil.year()), civil.month(), civil.day());
  if (rule == "previous_month") {
    return projection::FormatPeriod(
        projection::PrevPeriod(projection::PeriodContaining(Granularity::kMonth, day)));
  }
  if (rule == "current_month") {
    return projection::FormatPeriod(projection::PeriodContaining(Granularity::kMonth, day));
  }
  if (rule == "previous_quarter") {
    return projection::FormatPeriod(
        projection::PrevPeriod(projection::PeriodContaining(Granularity::kQuarter, day)));
  }
  if (rule == "previous_year") {
    return projection::FormatPeriod(
        projection::PrevPeriod(projection::PeriodContaining(Granularity::kYear, day)));
  }
  return std::string(rule);
}

bool IsRule(std::string_view period) {
  return std::find(std::begin(kPeriodRules), std::end(kPeriodRules), period) !=
         std::end(kPeriodRules);
}

std::shared_ptr<const projection::TenantView> ViewOf(projection::Projector* p,
                                                     const std::string& org) {
  return p->Read(org).view;
}

}  // namespace

ReportScheduler::ReportScheduler(store::EventStore* store, projection::Projector* projector,
                                 MailTransport* transport, const Clock* clock, Env* env,
                                 SchedulerOptions options)
    : store_(store),
      projector_(projector),
      transport_(transport),
      clock_(clock),
      env_(env ? env : Env::Default()),
      options_(std::move(options)),
      breaker_(options_.breaker, clock) {}

ReportScheduler::~ReportScheduler() { Stop(); }

void ReportScheduler::Start() {
  if (!options_.files_dir.empty()) {
    if (absl::Status s = env_->CreateDirs(options_.files_dir); !s.ok()) {
      spdlog::error("report scheduler: {}: {}", options_.files_dir, s.ToString());
    }
  }
  thread_ = std::thread([this] { Loop(); });
}

void ReportScheduler::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void ReportScheduler::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

int64_t ReportScheduler::NextRunAt(const ReportSchedule& s, int64_t after) {
  absl::StatusOr<CronExpr> cron = ParseCron(s.cron);
  absl::StatusOr<absl::TimeZone> tz = LoadIanaTimeZone(s.timezone);
  if (!cron.ok() || !tz.ok()) return kNoCronRun;
  return NextAfter(*cron, *tz, after);
}

void ReportScheduler::Create(ReportSchedule s, std::function<void(CreateReply)> done) {
  int64_t now = clock_->NowMicros();
  std::shared_ptr<const projection::TenantView> view = ViewOf(projector_, s.organization_id);
  if (s.period.empty()) return done(Invalid("period", "is required"));
  {
    const report::TypeSpec* spec = nullptr;
    projection::Period p;
    std::vector<std::pair<std::string, std::string>> params;
    std::string period = IsRule(s.period) ? "" : s.period;
    if (auto problem = report::ResolveRequest(s.report, s.type, period, s.parameters,
                                              view->calendar, now, &spec, &p, &params)) {
      if (!IsRule(s.period) && !problem->errors.empty() && problem->errors[0].field == "period") {
        problem->detail = "period: must be previous_month, current_month, previous_quarter, "
                          "previous_year or a period (" + problem->errors[0].message + ")";
      }
      problem->title = "Invalid schedule";
      return done(*std::move(problem));
    }
    s.parameters = params;
  }
  if (!render::ParseFormat(s.format)) {
    return done(Invalid("format", "must be pdf, excel or csv"));
  }
  if (s.format == "xlsx") s.format = "excel";
  if (s.cron.size() > kMaxCron) return done(Invalid("cron", "is longer than 200 bytes"));
  absl::StatusOr<CronExpr> cron = ParseCron(s.cron);
  if (!cron.ok()) return done(Invalid("cron", std::string(cron.status().message())));
  if (s.timezone.empty()) s.timezone = view->settings.timezone;
  absl::StatusOr<absl::TimeZone> tz = LoadIanaTimeZone(s.timezone);
  if (!tz.ok()) return done(Invalid("timezone", std::string(tz.status().message())));
  if (s.recipients.empty() || s.recipients.size() > kMaxRecipients) {
    return done(Invalid("recipients", "must hold 1 to 100 e-mail addresses"));
  }
  for (size_t i = 0; i < s.recipients.size(); ++i) {
    std::string field = "recipients[" + std::to_string(i) + "]";
    if (absl::Status st = ValidateEmailAddress(field, s.recipients[i]); !st.ok()) {
      return done(Invalid(field, std::string(st.message())));
    }
  }
  for (size_t i = 0; i < s.recipients.size(); ++i) {
    for (size_t k = 0; k < i; ++k) {
      // Addresses are ASCII; mail systems match them regardless of case.
      if (absl::EqualsIgnoreCase(s.recipients[k], s.recipients[i])) {
        return done(Invalid("recipients[" + std::to_string(i) + "]", "repeats recipients[" +
                                                                     std::to_string(k) + "]"));
      }
    }
  }
  if (s.subject.size() > kMaxSubject) return done(Invalid("subject", "is longer than 200 bytes"));
  {
    // The message's own rules (mime.h), so a schedule that is accepted can be delivered.
    MailMessage probe;
    probe.from = ValidateEmailAddress("from", options_.from).ok() ? options_.from
                                                                 : "readside@localhost";
    probe.to = s.recipients;
    probe.subject = s.subject.empty() ? "x" : s.subject;
    probe.message_id = "probe@readside.invalid";
    absl::StatusOr<std::string> built = BuildMimeMessage(probe);
    if (!built.ok()) {
      std::string message(built.status().message());
      std::string field = message.substr(0, message.find(':'));
      if (field.rfind("to", 0) == 0) field = "recipients" + field.substr(2);
      return done(Invalid(field, message));
    }
  }
  {
    // A fresh view and the creates in flight, under one lock: each create is counted once,
    // either as pending here or in the view once applied (CreateDone runs after that).
    absl::MutexLock lock(&creating_mu_);
    int& pending = creating_[s.organization_id];
    if (ViewOf(projector_, s.organization_id)->schedules->schedules.size() +
            static_cast<size_t>(pending) >=
        kMaxSchedulesPerTenant) {
      if (pending == 0) creating_.erase(s.organization_id);
      return done(Problem{.status = 409,
                          .title = "Too many schedules",
                          .detail = "an organization may have at most " +
                                    std::to_string(kMaxSchedulesPerTenant) +
                                    " report schedules; delete one first"});
    }
    ++pending;
  }
  s.id = event::NewUuid();
  s.created_at_micros = now;
  int64_t next = NextAfter(*cron, *tz, now);
  std::string event_id = event::NewUuid();
  store::EventToStore e{.organization_id = s.organization_id,
                        .event_id = event_id,
                        .event_id_assigned = true,
                        .entity_id = s.id,
                        .event_type = std::string(own_state::kReportScheduledType),
                        .timestamp_micros = now};
  e.json = own_state::EncodeScheduled(s, event_id, now);
  store::AppendRequest append;
  append.events.push_back(std::move(e));
  projection::Projector* projector = projector_;
  AppendAsync(std::move(append), [this, projector, s = std::move(s), next,
                                          done = std::move(done)](
                                             absl::StatusOr<std::vector<store::AppendOutcome>>
                                                 outcomes) mutable {
    if (!outcomes.ok()) {
      CreateDone(s.organization_id);
      return done(store::AppendFailureProblem(outcomes.status()));
    }
    uint64_t position = outcomes->front().position;
    projector->WhenApplied(position, std::chrono::seconds(10),
                           [this, s = std::move(s), next, position, done](bool) mutable {
                             CreateDone(s.organization_id);
                             Wake();
                             done(Created{std::move(s), next, position});
                           });
  });
}

void ReportScheduler::AppendAsync(store::AppendRequest request,
                                  store::EventStore::AppendCallback done) {
  if (appender_) return appender_(std::move(request), std::move(done));
  store_->AppendAsync(std::move(request), std::move(done));
}

bool ReportScheduler::OwnedHere(const std::string& message_id) const {
  return options_.node.empty() ||
         message_id.find("~" + options_.node + "@") != std::string::npos;
}

void ReportScheduler::CreateDone(const std::string& org) {
  absl::MutexLock lock(&creating_mu_);
  auto it = creating_.find(org);
  if (it != creating_.end() && --it->second <= 0) creating_.erase(it);
}

void ReportScheduler::Delete(const std::string& org, const std::string& id,
                             std::function<void(std::optional<Problem>)> done) {
  std::shared_ptr<const projection::TenantView> view = ViewOf(projector_, org);
  if (!view->schedules->schedules.contains(id)) {
    return done(Problem{.status = 404, .title = "Not found",
                        .detail = "no report schedule '" + id + "'"});
  }
  int64_t now = clock_->NowMicros();
  std::string event_id = event::NewUuid();
  store::EventToStore e{.organization_id = org,
                        .event_id = event_id,
                        .event_id_assigned = true,
                        .entity_id = id,
                        .event_type = std::string(own_state::kReportUnscheduledType),
                        .timestamp_micros = now};
  e.json = own_state::EncodeUnscheduled(org, id, event_id, now);
  store::AppendRequest append;
  append.events.push_back(std::move(e));
  projection::Projector* projector = projector_;
  AppendAsync(std::move(append), [projector, done = std::move(done)](
                                             absl::StatusOr<std::vector<store::AppendOutcome>>
                                                 outcomes) mutable {
    if (!outcomes.ok()) return done(store::AppendFailureProblem(outcomes.status()));
    projector->WhenApplied(outcomes->front().position, std::chrono::seconds(10),
                           [done](bool) { done(std::nullopt); });
  });
}

std::string ReportScheduler::FilePath(const std::string& file) const {
  return options_.files_dir + "/" + file;
}

absl::StatusOr<std::string> ReportScheduler::ReadRunFile(const std::string& file) const {
  if (file.empty() || file.find('/') != std::string::npos || file[0] == '.') {
    return absl::NotFoundError("no such file");
  }
  if (!env_->FileExists(FilePath(file))) return absl::NotFoundError("the file is gone");
  return env_->ReadFile(FilePath(file));
}

void ReportScheduler::MaybeCrash(std::string_view point) {
#if defined(READSIDE_CRASH_POINTS)  // a test seam: never in Release builds (crash_point.h)
  if (!options_.crash_at.empty() && options_.crash_at == point) {
    spdlog::warn("report scheduler: crashing at {} (READSIDE_REPORT_CRASH_AT)", point);
    spdlog::default_logger()->flush();
    ::raise(SIGKILL);
  }
#endif
}

absl::Status ReportScheduler::AppendAndWait(std::string org, std::string event_id,
                                            std::string entity_id, std::string type,
                                            std::string json, int64_t timestamp) {
  store::EventToStore e{.organization_id = std::move(org),
                        .event_id = std::move(event_id),
                        .event_id_assigned = false,  // derived: the store refuses a second copy
                        .entity_id = std::move(entity_id),
                        .event_type = std::move(type),
                        .timestamp_micros = timestamp};
  e.json = std::move(json);
  store::AppendRequest append;
  append.events.push_back(std::move(e));
  std::promise<absl::StatusOr<std::vector<store::AppendOutcome>>> appended;
  AppendAsync(std::move(append), [&appended](absl::StatusOr<std::vector<store::AppendOutcome>> r) {
    appended.set_value(std::move(r));
  });
  absl::StatusOr<std::vector<store::AppendOutcome>> outcomes = appended.get_future().get();
  if (!outcomes.ok()) return outcomes.status();
  // A duplicate or conflicting event id: the event was stored before; wait for that one.
  uint64_t position = outcomes->front().position;
  uint64_t seen = written_.load();
  while (seen < position && !written_.compare_exchange_weak(seen, position)) {
  }
  auto reached = std::make_shared<std::atomic<bool>>(false);
  auto applied = std::make_shared<absl::Notification>();
  projector_->WhenApplied(position, std::chrono::seconds(30), [reached, applied](bool ok) {
    reached->store(ok);
    applied->Notify();
  });
  applied->WaitForNotification();
  if (!reached->load()) {
    return absl::UnavailableError("the read model did not apply position " +
                                  std::to_string(position) + " in time");
  }
  return absl::OkStatus();
}

bool ReportScheduler::RecordOutcome(own_state::RunFinished r, std::string_view id_suffix) {
  r.finished_at_micros = clock_->NowMicros();
  std::string id = DerivedUuid(r.run_id + "/" + std::string(id_suffix));
  absl::Status st = AppendAndWait(r.organization_id, id, r.run_id,
                                  std::string(own_state::kReportRunFinishedType),
                                  own_state::EncodeRunFinished(r, id, r.finished_at_micros),
                                  r.finished_at_micros);
  if (!st.ok()) {
    spdlog::error("report run {}: storing the outcome ({}) failed: {}", r.run_id,
                  own_state::RunStatusName(r.status), st.ToString());
    return false;
  }
  runs_by_status_[static_cast<size_t>(r.status)].fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool ReportScheduler::Skip(const ReportSchedule& s, int64_t due) {
  own_state::RunFinished r;
  r.run_id = own_state::RunIdOf(s.id, due);
  r.schedule_id = s.id;
  r.organization_id = s.organization_id;
  r.due_at_micros = due;
  r.status = RunStatus::kSkipped;
  r.error = "missed while the server was down, and older than the catch-up age";
  return RecordOutcome(std::move(r), "skipped");
}

void ReportScheduler::Abandon(const projection::RunRecord& run, const std::string& org) {
  own_state::RunFinished r;
  r.run_id = run.run_id;
  r.schedule_id = run.schedule_id;
  r.organization_id = org;
  r.due_at_micros = run.due_at_micros;
  r.attempts = run.attempts;
  r.status = RunStatus::kFailed;
  r.error = "the schedule was deleted before the run finished";
  r.size = run.size;
  r.file = run.file;
  RecordOutcome(std::move(r), "abandoned");
}

bool ReportScheduler::Run(const ReportSchedule& s, int64_t due, int attempt,
                          const std::string& existing_message_id, const std::string& existing_file,
                          int64_t first_started_at) {
  const std::string run_id = own_state::RunIdOf(s.id, due);
  const std::string message_id =
      existing_message_id.empty()
          ? MakeMessageId(options_.node.empty() ? run_id : run_id + "~" + options_.node,
                          Domain(options_.from))
          : existing_message_id;
  int64_t now = clock_->NowMicros();
  auto finish = [&](RunStatus status, int attempts, std::string error, int64_t size,
                    std::string file, int64_t next_at) -> bool {
    own_state::RunFinished r;
    r.run_id = run_id;
    r.schedule_id = s.id;
    r.organization_id = s.organization_id;
    r.due_at_micros = due;
    r.attempts = attempts;
    r.status = status;
    r.error = std::move(error);
    r.size = size;
    r.file = std::move(file);
    r.next_attempt_at_micros = next_at;
    // Unique per outcome: a breaker hold repeats the attempt count, not the next time.
    return RecordOutcome(std::move(r), "finished/" + std::to_string(attempts) + "/" +
                                           std::string(own_state::RunStatusName(status)) +
                                           "/" + std::to_string(next_at));
  };

  if (transport_ != nullptr && !breaker_.Allow()) {
    int64_t wait = std::max<int64_t>(breaker_.RetryInMicros(), 1'000'000);
    return finish(RunStatus::kRetrying, attempt - 1,
                  "the SMTP server failed repeatedly; the circuit breaker holds deliveries",
                  0, existing_file, now + wait);
  }

  // 1. The file: the one of an earlier attempt when it is still there, else rendered now.
  std::string file = existing_file, bytes, content_type = "application/octet-stream";
  uint64_t report_position = 0;
  std::string title = s.report + " " + s.type, period_text;
  bool have_file = false;
  if (!file.empty()) {
    absl::StatusOr<std::string> old = ReadRunFile(file);
    if (old.ok()) bytes = *std::move(old), have_file = true;
  }
  {
    projection::Projector::TenantRead read = projector_->Read(s.organization_id);
    std::shared_ptr<const projection::TenantView> view = read.view;
    absl::StatusOr<absl::TimeZone> zone = LoadIanaTimeZone(s.timezone);
    period_text = ResolvePeriod(s.period, due, zone.ok() ? *zone : absl::UTCTimeZone());
    const report::TypeSpec* spec = nullptr;
    projection::Period p;
    std::vector<std::pair<std::string, std::string>> params;
    if (auto problem = report::ResolveRequest(s.report, s.type, period_text, s.parameters,
                                              view->calendar, now, &spec, &p, &params)) {
      if (transport_ != nullptr) breaker_.RecordSuccess();  // not the server's fault
      return finish(RunStatus::kFailed, attempt, problem->detail, 0, "", 0);
    }
    title = std::string(spec->title);
    std::optional<render::Format> format = render::ParseFormat(s.format);
    if (!have_file) {
      report::Document doc =
          report::BuildReport(report::ReportRequest{*view, *spec, p, params, now, read.position});
      absl::StatusOr<render::Rendered> rendered =
          render::Render(doc, format.value_or(render::Format::kPdf));
      if (!rendered.ok()) {
        if (transport_ != nullptr) breaker_.RecordSuccess();
        return finish(RunStatus::kFailed, attempt, std::string(rendered.status().message()), 0,
                      "", 0);
      }
      report_position = doc.position;
      file = run_id + "-" + rendered->filename;
      bytes = std::move(rendered->bytes);
      absl::Status written = [&]() -> absl::Status {
        std::string tmp = FilePath(file) + ".tmp";
        absl::StatusOr<std::unique_ptr<WritableFile>> f = env_->NewWritableFile(tmp);
        if (!f.ok()) return f.status();
        if (absl::Status st = (*f)->Append(bytes); !st.ok()) return st;
        if (absl::Status st = (*f)->Sync(); !st.ok()) return st;
        if (absl::Status st = (*f)->Close(); !st.ok()) return st;
        if (absl::Status st = env_->RenameFile(tmp, FilePath(file)); !st.ok()) return st;
        return env_->SyncDir(options_.files_dir);
      }();
      if (!written.ok()) {
        if (transport_ != nullptr) breaker_.RecordSuccess();
        spdlog::error("report run {}: writing the file failed: {}", run_id, written.ToString());
        return false;  // nothing stored: the due instant is still open for the next pass
      }
    }
    if (s.format == "pdf") content_type = "application/pdf";
    if (s.format == "csv") content_type = "text/csv";  // the text part says UTF-8
    if (s.format == "excel") {
      content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    }
  }
  const std::string attachment_name = file.substr(std::min(file.size(), run_id.size() + 1));

  // 2. The intent, durable before the SMTP server hears of the run.
  MaybeCrash("before_intent");
  const int64_t started_at = first_started_at != 0 ? first_started_at : now;
  {
    own_state::RunStarted r;
    r.run_id = run_id;
    r.schedule_id = s.id;
    r.organization_id = s.organization_id;
    r.due_at_micros = due;
    r.attempt = attempt;
    r.message_id = message_id;
    r.file = file;
    r.size = static_cast<int64_t>(bytes.size());
    r.report_position = report_position;
    r.started_at_micros = started_at;
    std::string id = DerivedUuid(run_id + "/started/" + std::to_string(attempt));
    absl::Status st = AppendAndWait(s.organization_id, id, run_id,
                                    std::string(own_state::kReportRunStartedType),
                                    own_state::EncodeRunStarted(r, id, now), now);
    if (!st.ok()) {
      if (transport_ != nullptr) breaker_.RecordSuccess();
      spdlog::error("report run {}: storing the intent failed: {}", run_id, st.ToString());
      return false;
    }
  }
  if (!options_.node.empty()) {
    // Several nodes: the first intent in the tenant's order holds the run. Another node's
    // came first: that node sends it.
    projection::Projector::TenantRead read = projector_->Read(s.organization_id);
    // Send only when the stored intent is provably this node's; in doubt, step back (the
    // run is then either another node's, or not recorded and due again on the next pass).
    auto it = read.view->schedules->runs.find(run_id);
    if (it == read.view->schedules->runs.end() || it->second.message_id != message_id) {
      spdlog::info("report run {}: held by another node ({})", run_id,
                   it == read.view->schedules->runs.end() ? "not recorded" : it->second.message_id);
      return true;
    }
  }
  MaybeCrash("after_intent");
  READSIDE_CRASH_POINT("schedule.run.after_intent");

  // 3. The message: the same bytes on every attempt (Date = the first attempt's start).
  absl::Status sent;
  std::string refused;  // recipients the server refused while accepting the others
  if (transport_ == nullptr) {
    sent = absl::FailedPreconditionError("no SMTP server configured (serve --smtp-url)");
  } else {
    MailMessage m;
    m.from = options_.from;
    m.to = s.recipients;
    m.subject = !s.subject.empty() ? s.subject
                                   : title + " — " + s.organization_id + " — " + period_text;
    m.body = title + " for " + s.organization_id + ", period " + period_text +
             ", is attached (" + attachment_name + ").\n\nSchedule " + s.id + " (" + s.cron +
             ", " + s.timezone + "), due " + FormatRfc3339(due) + ".\n";
    m.date_micros = started_at;
    m.message_id = message_id;
    m.attachments.push_back({attachment_name, content_type, bytes});
    absl::StatusOr<std::string> mime = BuildMimeMessage(m);
    if (!mime.ok()) {
      sent = absl::FailedPreconditionError(mime.status().message());
      breaker_.RecordSuccess();
    } else {
      absl::StatusOr<Delivery> delivery = transport_->Send(s.recipients, *mime);
      sent = delivery.status();
      if (delivery.ok() && !delivery->refused.empty()) {
        refused = "sent, but the SMTP server refused " + std::to_string(delivery->refused.size()) +
                  " of " + std::to_string(s.recipients.size()) + " recipients: ";
        for (size_t i = 0; i < delivery->refused.size(); ++i) {
          refused += (i > 0 ? "; " : "") + delivery->refused[i];
        }
        spdlog::warn("report run {}: {}", run_id, refused);
      }
      // Only a server that cannot be reached or asks to retry counts against it; a refused
      // recipient or message is that message's failure, not the server's.
      if (sent.ok() || !IsTransientSendError(sent)) {
        breaker_.RecordSuccess();
        smtp_up_.store(true, std::memory_order_relaxed);
      } else {
        breaker_.RecordFailure();
        smtp_up_.store(false, std::memory_order_relaxed);
      }
    }
  }
  if (sent.ok()) MaybeCrash("after_send");
  READSIDE_CRASH_POINT("schedule.run.before_outcome");

  // 4. The outcome.
  // (An intent is stored: even if the outcome cannot be, the run exists and is resumed.)
  const int64_t size = static_cast<int64_t>(bytes.size());
  if (sent.ok()) {
    finish(RunStatus::kSent, attempt, refused, size, file, 0);
    MaybeCrash("after_outcome");
  } else if (IsTransientSendError(sent) && attempt < options_.backoff.max_attempts) {
    int64_t delay = BackoffDelayMicros(options_.backoff, attempt, BackoffSeed(run_id));
    finish(RunStatus::kRetrying, attempt, std::string(sent.message()), size, file,
           clock_->NowMicros() + delay);
  } else {
    finish(RunStatus::kFailed, attempt, std::string(sent.message()), size, file, 0);
  }
  return true;
}

int64_t ReportScheduler::PassTenant(const projection::TenantView& view, int64_t now) {
  int64_t next = INT64_MAX;
  const projection::ScheduleBook& book = *view.schedules;
  for (const auto& [run_id, run] : book.runs) {
    if ((run.status == RunStatus::kRunning || run.status == RunStatus::kRetrying) &&
        OwnedHere(run.message_id) && book.deleted.contains(run.schedule_id) && !book.schedules.contains(run.schedule_id)) {
      Abandon(run, view.settings.organization_id);
    }
  }
  for (const auto& [id, s] : book.schedules) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return now;
    }
    // Runs of this schedule that are open: an intent without outcome (the process died
    // while sending) or a retry whose time has come.
    for (const auto& [run_id, run] : book.runs) {
      if (run.schedule_id != id || !OwnedHere(run.message_id)) continue;
      if (run.status == RunStatus::kRunning) {
        Run(s, run.due_at_micros, run.attempts + 1, run.message_id, run.file,
            run.started_at_micros);
      } else if (run.status == RunStatus::kRetrying) {
        if (run.next_attempt_at_micros <= now) {
          Run(s, run.due_at_micros, run.attempts + 1, run.message_id, run.file,
              run.started_at_micros);
        } else {
          next = std::min(next, run.next_attempt_at_micros);
        }
      }
    }
    absl::StatusOr<CronExpr> cron = ParseCron(s.cron);
    absl::StatusOr<absl::TimeZone> tz = LoadIanaTimeZone(s.timezone);
    if (!cron.ok() || !tz.ok()) continue;
    int64_t from = s.created_at_micros;
    if (auto hw = book.high_water.find(id); hw != book.high_water.end()) {
      from = std::max(from, hw->second);
    }
    std::vector<int64_t> due = DueBetween(*cron, *tz, from, now, kMaxDuePerPass);
    bool blocked = false;
    for (int64_t d : due) {
      // In order: a due instant that could not be recorded stops the later ones (they
      // would move the schedule's high-water mark past it).
      bool recorded = now - d > options_.catch_up_max_age_micros ? Skip(s, d)
                                                                  : Run(s, d, 1, "", "", 0);
      if (!recorded) {
        blocked = true;
        break;
      }
    }
    if (blocked) {
      next = std::min(next, now + 1'000'000);
    } else if (due.size() == kMaxDuePerPass) {
      next = now;  // more are due: go on at once
    } else {
      next = std::min(next, NextAfter(*cron, *tz, now));
    }
  }
  return next;
}

void ReportScheduler::PruneFiles(const std::string& org) {
  if (options_.files_dir.empty()) return;
  std::shared_ptr<const projection::TenantView> view = ViewOf(projector_, org);
  const projection::ScheduleBook& book = *view->schedules;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.files_dir, ec)) {
    std::string name = entry.path().filename().string();
    // "<schedule id (36)>-<due seconds>-<file>"; only files of this tenant's schedules.
    if (name.size() < 38 || name[36] != '-') continue;
    std::string schedule_id = name.substr(0, 36);
    if (!book.schedules.contains(schedule_id) && !book.deleted.contains(schedule_id)) continue;
    size_t dash = name.find('-', 37);
    if (dash == std::string::npos) continue;
    std::string run_id = name.substr(0, dash);
    if (book.runs.contains(run_id)) continue;
    // Not in the history: dropped by the retention, or a leftover of a crash before its
    // intent (then older than the schedule's high-water mark, never needed again).
    auto hw = book.high_water.find(schedule_id);
    int64_t due_seconds = std::strtoll(name.c_str() + 37, nullptr, 10);
    if (hw == book.high_water.end() || due_seconds * 1'000'000 > hw->second) continue;
    std::filesystem::remove(entry.path(), ec);
  }
}

int64_t ReportScheduler::Pass() {
  int64_t now = clock_->NowMicros();
  if (!projector_->Ready()) return now + 100'000;
  // Decide only on views holding every event this scheduler stored (an outcome applied late
  // would otherwise look like a run still to send).
  if (projector_->AppliedPosition() < written_.load()) return now + 20'000;
  std::shared_ptr<const projection::ModelSnapshot> snapshot = projector_->Current();
  int64_t next = INT64_MAX;
  for (const auto& [org, view] : snapshot->tenants) {
    if (view->schedules->schedules.empty()) continue;
    uint64_t before = written_.load();
    next = std::min(next, PassTenant(*view, now));
    if (written_.load() != before) PruneFiles(org);
  }
  return next;
}

void ReportScheduler::Loop() {
  while (true) {
    int64_t next = Pass();
    absl::MutexLock lock(&mu_);
    if (stop_) return;
    int64_t wait = std::clamp<int64_t>(next - clock_->NowMicros(), 0, options_.max_sleep_micros);
    if (!woken_ && wait > 0) {
      mu_.AwaitWithTimeout(absl::Condition(this, &ReportScheduler::StopOrWoken),
                           absl::Microseconds(wait));
    }
    woken_ = false;
    if (stop_) return;
  }
}

ReportScheduler::SmtpHealth ReportScheduler::Smtp() const {
  SmtpHealth h;
  h.configured = transport_ != nullptr;
  h.up = smtp_up_.load(std::memory_order_relaxed);
  h.breaker = CircuitBreaker::StateName(breaker_.state());
  return h;
}

void ReportScheduler::RegisterMetrics(MetricsRegistry* registry) const {
  registry->Add([this](std::string* out) {
    out->append("# HELP readside_report_runs_total scheduled report runs this node finished, "
                "by outcome\n# TYPE readside_report_runs_total counter\n");
    for (own_state::RunStatus st : {own_state::RunStatus::kSent, own_state::RunStatus::kRetrying,
                                    own_state::RunStatus::kFailed, own_state::RunStatus::kSkipped}) {
      out->append("readside_report_runs_total{status=\"" +
                  std::string(own_state::RunStatusName(st)) + "\"} " +
                  std::to_string(runs_by_status_[static_cast<size_t>(st)].load(
                      std::memory_order_relaxed)) +
                  "\n");
    }
  });
}

}  // namespace readside::schedule
