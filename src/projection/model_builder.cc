#include "projection/model_builder.h"

#include <algorithm>

#include "projection/cow.h"

namespace readside::projection {

ModelBuilder::ModelBuilder(TenantSettings settings, LocalCalendar calendar)
    : settings_(std::move(settings)), calendar_(std::move(calendar)) {
  for (auto& s : series_) s = std::make_shared<DaySeries>();
  for (auto& k : keyed_) k = std::make_shared<KeyedSeries>();
  keys_ = std::make_shared<KeyPool>();
  for (FactTable& table : facts_) table = FactTable(keys_);
  employees_ = std::make_shared<EmployeeDirectory>();
  products_ = std::make_shared<ProductDirectory>();
  projects_ = std::make_shared<ProjectDirectory>();
}

template <typename T>
T& ModelBuilder::MutableDirectory(std::shared_ptr<T>& p) {
  if (!Exclusive(p)) p = std::make_shared<T>(*p);
  return *p;
}

EmployeeDirectory& ModelBuilder::MutableEmployees() { return MutableDirectory(employees_); }
ProductDirectory& ModelBuilder::MutableProducts() { return MutableDirectory(products_); }
ProjectDirectory& ModelBuilder::MutableProjects() { return MutableDirectory(projects_); }

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
  KeyedSlots& cache = keyed_slots_[static_cast<size_t>(k)];
  const uint64_t hash = StringIndex::Hash(key);
  uint32_t slot = cache.index.Find(
      key, hash, [&](uint32_t i) -> const std::string& { return cache.slots[i].key; });
  if (slot != StringIndex::kNone && cache.slots[slot].epoch == epoch_) {
    cache.slots[slot].series->Add(day, delta);  // made writable since the last publication
    return;
  }
  std::shared_ptr<DaySeries>& series = MutableKeyed(k)[key];  // its chunk unshared
  if (!series) {
    series = std::make_shared<DaySeries>();
  } else if (!Exclusive(series)) {
    series = std::make_shared<DaySeries>(*series);
  }
  if (slot == StringIndex::kNone) {
    slot = cache.index.Add(hash);
    cache.slots.push_back({std::string(key), nullptr, 0});
  }
  cache.slots[slot].series = series.get();
  cache.slots[slot].epoch = epoch_;
  series->Add(day, delta);
}

void ModelBuilder::NewSource(size_t d, std::string_view source) {
  std::vector<std::string>& sources = domains_[d].sources;
  auto it = std::lower_bound(sources.begin(), sources.end(), source);
  if (it == sources.end() || *it != source) sources.insert(it, std::string(source));
  last_source_[d] = source;
}

std::shared_ptr<TenantView> ModelBuilder::Publish(uint64_t position) {
  exclusive_.reset();
  ++epoch_;  // every keyed series is shared with the view now
  auto view = std::make_shared<TenantView>();
  view->settings = settings_;
  view->calendar = calendar_;
  view->position = position;
  for (size_t i = 0; i < kSeriesCount; ++i) view->series[i] = series_[i];
  for (size_t i = 0; i < kKeyedCount; ++i) view->keyed[i] = keyed_[i];
  for (size_t i = 0; i < kFactCount; ++i) view->facts[i] = facts_[i].Publish();
  view->quality = quality_;
  view->domains = domains_;
  view->live = live_;
  view->employees = employees_;
  view->products = products_;
  view->projects = projects_;
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
  w.U64(kFactCount);
  for (const FactTable& table : facts_) table.Save(w);
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
  w.U64(employees_->size());
  for (const auto& [id, e] : *employees_) {
    for (const std::string* s : {&id, &e.name, &e.department, &e.role}) w.Str(*s);
    w.Bool(e.active);
  }
  w.U64(products_->size());
  for (const auto& [id, p] : *products_) {
    for (const std::string* s : {&id, &p.sku, &p.name, &p.category}) w.Str(*s);
    for (int64_t v : {p.unit_cost, p.unit_price, p.reorder_point}) w.I64(v);
  }
  w.U64(projects_->size());
  for (const auto& [id, p] : *projects_) {
    for (const std::string* s : {&id, &p.name, &p.status}) w.Str(*s);
  }
}

bool ModelBuilder::Load(SnapshotReader& r) {
  if (r.U64() != kSeriesCount) return r.Fail(), false;
  exclusive_.reset();
  ++epoch_;  // the families are replaced
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
      (*family)[key] = std::move(series);
    }
  }
  if (r.U64() != kFactCount) return r.Fail(), false;
  keys_ = std::make_shared<KeyPool>();
  for (FactTable& table : facts_) {
    table = FactTable(keys_);
    if (!table.Load(r)) return false;
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
  employees_ = std::make_shared<EmployeeDirectory>();
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    std::string id = r.Str();
    EmployeeInfo& e = (*employees_)[id];
    for (std::string* s : {&e.name, &e.department, &e.role}) *s = r.Str();
    e.active = r.Bool();
  }
  products_ = std::make_shared<ProductDirectory>();
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    std::string id = r.Str();
    ProductInfo& p = (*products_)[id];
    for (std::string* s : {&p.sku, &p.name, &p.category}) *s = r.Str();
    for (int64_t* v : {&p.unit_cost, &p.unit_price, &p.reorder_point}) *v = r.I64();
  }
  projects_ = std::make_shared<ProjectDirectory>();
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    std::string id = r.Str();
    ProjectInfo& p = (*projects_)[id];
    for (std::string* s : {&p.name, &p.status}) *s = r.Str();
  }
  return r.ok();
}

}  // namespace readside::projection
