#include "projection/model_builder.h"

#include <algorithm>
#include <atomic>

namespace readside::projection {
namespace {

// True when no published view shares `p`. The acquire fence pairs with the release in the
// readers' shared_ptr decrement, so their last reads happen before our writes.
template <typename T>
bool Exclusive(const std::shared_ptr<T>& p) {
  if (p.use_count() != 1) return false;
  std::atomic_thread_fence(std::memory_order_acquire);
  return true;
}

}  // namespace

ModelBuilder::ModelBuilder(TenantSettings settings, LocalCalendar calendar)
    : settings_(std::move(settings)), calendar_(std::move(calendar)) {
  for (auto& s : series_) s = std::make_shared<DaySeries>();
  for (auto& k : keyed_) k = std::make_shared<KeyedSeries>();
}

DaySeries& ModelBuilder::Unshare(size_t i) {
  auto& p = series_[i];
  if (!Exclusive(p)) p = std::make_shared<DaySeries>(*p);
  exclusive_[i] = true;
  return *p;
}

KeyedSeries& ModelBuilder::MutableKeyed(K k) {
  auto& p = keyed_[static_cast<size_t>(k)];
  if (!Exclusive(p)) p = std::make_shared<KeyedSeries>(*p);
  return *p;
}

void ModelBuilder::AddAt(S s, int64_t unix_micros, int64_t delta) {
  if (delta != 0) Mutable(s).AddAt(calendar_.DayOf(unix_micros), unix_micros, delta);
}

void ModelBuilder::AddKeyed(K k, std::string_view key, DayNumber day, int64_t delta) {
  if (delta == 0) return;
  KeyedSeries& family = MutableKeyed(k);
  auto it = family.find(key);
  if (it == family.end()) {
    it = family.emplace(std::string(key), std::make_shared<DaySeries>()).first;
  } else if (!Exclusive(it->second)) {
    it->second = std::make_shared<DaySeries>(*it->second);
  }
  it->second->Add(day, delta);
}

void ModelBuilder::Touch(event::Domain domain, std::string_view source, int64_t event_micros,
                         int64_t now_micros) {
  size_t d = static_cast<size_t>(domain);
  if (d < kDomainCount) {
    DomainInfo& info = domains_[d];
    info.last_updated_micros = now_micros;
    if (last_source_[d] != source) {  // a domain's events mostly come from one service
      auto it = std::lower_bound(info.sources.begin(), info.sources.end(), source);
      if (it == info.sources.end() || *it != source) info.sources.insert(it, std::string(source));
      last_source_[d] = source;
    }
  }
  int64_t minute = event_micros >= 0 ? event_micros / 60'000'000 : -1;
  if (minute < 0) return;
  size_t slot = static_cast<size_t>(((minute % LiveActivity::kMinutes) + LiveActivity::kMinutes) %
                                    LiveActivity::kMinutes);
  if (live_.minute[slot] > minute) return;  // older than the hour this slot now holds
  if (live_.minute[slot] != minute) {
    live_.minute[slot] = minute;
    live_.counts[slot].fill(0);
  }
  ++live_.counts[slot][std::min(d, kDomainCount)];
}

std::shared_ptr<TenantView> ModelBuilder::Publish(uint64_t position) {
  exclusive_.reset();
  auto view = std::make_shared<TenantView>();
  view->settings = settings_;
  view->calendar = calendar_;
  view->position = position;
  for (size_t i = 0; i < kSeriesCount; ++i) view->series[i] = series_[i];
  for (size_t i = 0; i < kKeyedCount; ++i) view->keyed[i] = keyed_[i];
  view->quality = quality_;
  view->domains = domains_;
  view->live = live_;
  return view;
}

void ModelBuilder::Save(SnapshotWriter& w) const {
  w.U64(kSeriesCount);
  for (const auto& series : series_) series->Save(w);
  w.U64(kKeyedCount);
  for (const auto& family : keyed_) {
    w.U64(family->size());
    for (const auto& [key, series] : *family) {
      w.Str(key);
      series->Save(w);
    }
  }
  for (int64_t v : {quality_.events_total, quality_.unknown_type, quality_.orphans,
                    quality_.currency_mismatch, quality_.unclassified_ledger_lines}) {
    w.I64(v);
  }
  for (const DomainInfo& info : domains_) {
    w.I64(info.last_updated_micros);
    w.U64(info.sources.size());
    for (const std::string& src : info.sources) w.Str(src);
  }
  for (size_t i = 0; i < LiveActivity::kMinutes; ++i) {
    w.I64(live_.minute[i]);
    for (int64_t n : live_.counts[i]) w.I64(n);
  }
}

bool ModelBuilder::Load(SnapshotReader& r) {
  if (r.U64() != kSeriesCount) return r.Fail(), false;
  exclusive_.reset();
  for (auto& series : series_) {
    series = std::make_shared<DaySeries>();
    if (!series->Load(r)) return false;
  }
  if (r.U64() != kKeyedCount) return r.Fail(), false;
  for (auto& family : keyed_) {
    family = std::make_shared<KeyedSeries>();
    for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
      std::string key = r.Str();
      auto series = std::make_shared<DaySeries>();
      if (!series->Load(r)) return false;
      family->emplace(std::move(key), std::move(series));
    }
  }
  for (int64_t* v : {&quality_.events_total, &quality_.unknown_type, &quality_.orphans,
                     &quality_.currency_mismatch, &quality_.unclassified_ledger_lines}) {
    *v = r.I64();
  }
  for (DomainInfo& info : domains_) {
    info.last_updated_micros = r.I64();
    info.sources.clear();
    for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) info.sources.push_back(r.Str());
  }
  for (size_t i = 0; i < LiveActivity::kMinutes; ++i) {
    live_.minute[i] = r.I64();
    for (int64_t& n : live_.counts[i]) n = r.I64();
  }
  return r.ok();
}

}  // namespace readside::projection
