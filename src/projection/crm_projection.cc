#include "projection/crm_projection.h"

#include "event/catalog_tables.h"

namespace readside::projection {
namespace {
using E = event::EventType;

// Payload field indexes (event/catalog_tables.h).
constexpr int kOppStage = 0, kOppAmount = 1, kOppOwner = 2;
constexpr int kStageChangedStage = 0, kStageChangedAmount = 1;
constexpr int kWonAmount = 0, kWonOwner = 1;
constexpr int kActivityType = 0, kActivityOwner = 1;
constexpr int kLeadSource = 0;
// Each index names its field in the catalog (event/catalog_tables.h).
static_assert(event::FieldIndexOf(E::kCrmOpportunityCreated, "stage") == kOppStage);
static_assert(event::FieldIndexOf(E::kCrmOpportunityCreated, "amount") == kOppAmount);
static_assert(event::FieldIndexOf(E::kCrmOpportunityCreated, "owner_id") == kOppOwner);
static_assert(event::FieldIndexOf(E::kCrmOpportunityStageChanged, "stage") == kStageChangedStage);
static_assert(event::FieldIndexOf(E::kCrmOpportunityStageChanged, "amount") == kStageChangedAmount);
static_assert(event::FieldIndexOf(E::kCrmOpportunityWon, "amount") == kWonAmount);
static_assert(event::FieldIndexOf(E::kCrmOpportunityWon, "owner_id") == kWonOwner);
static_assert(event::FieldIndexOf(E::kCrmActivityLogged, "activity_type") == kActivityType);
static_assert(event::FieldIndexOf(E::kCrmActivityLogged, "owner_id") == kActivityOwner);
static_assert(event::FieldIndexOf(E::kCrmLeadCreated, "source") == kLeadSource);
}  // namespace

void CrmProjection::Close(const ApplyContext& c, Opportunity& o, bool won) {
  o.open = false;
  c.m.Add(S::kPipelineValue, c.day, -o.amount);
  c.m.AddKeyed(K::kPipelineStages, o.stage, c.day, -1);
  c.m.AddFact(F::kPipelineValueByStage, c.m.KeyOf(&o.stage_key, o.stage), c.day, -o.amount);
  if (!won) {
    c.m.Add(S::kOpportunitiesLost, c.day, 1);
    c.m.AddFact(F::kDealsLostByUser, c.m.KeyOf(&o.owner_key, o.owner), c.day, 1);
    return;
  }
  const event::FieldValue& amount = c.f(kWonAmount);
  int64_t value = amount.present ? amount.money.units() : o.amount;
  const event::FieldValue& owner = c.f(kWonOwner);
  const std::string& user = owner.present ? owner.text : o.owner;
  c.m.Add(S::kOpportunitiesWon, c.day, 1);
  c.m.Add(S::kWonValue, c.day, value);
  c.m.AddKeyed(K::kWonValueByUser, user, c.day, value);
  c.m.AddKeyed(K::kDealsWonByUser, user, c.day, 1);
}

void CrmProjection::Apply(const ApplyContext& c) {
  const std::string& id = c.e.entity_id;
  switch (c.e.type) {
    case E::kCrmContactCreated:
      if (!contacts_.try_emplace(id, false).second) return c.Orphan();
      c.m.Add(S::kContactsNew, c.day, 1);
      c.m.Add(S::kContactsTotal, c.day, 1);
      return;
    case E::kCrmContactUpdated: {
      auto it = contacts_.find(id);
      if (it == contacts_.end() || it->second) c.Orphan();
      return;
    }
    case E::kCrmContactDeleted: {
      auto it = contacts_.find(id);
      if (it == contacts_.end() || it->second) return c.Orphan();
      it->second = true;
      c.m.Add(S::kContactsTotal, c.day, -1);
      return;
    }
    case E::kCrmLeadCreated: {
      auto [it, fresh] = leads_.try_emplace(id);
      if (!fresh) return c.Orphan();
      it->second.source = c.f(kLeadSource).text;
      c.m.Add(S::kLeadsNew, c.day, 1);
      c.m.Add(S::kLeadsTotal, c.day, 1);
      c.m.AddFact(F::kLeadsBySource, c.m.KeyOf(&it->second.source_key, it->second.source), c.day,
                  1);
      return;
    }
    case E::kCrmLeadConverted: {
      auto it = leads_.find(id);
      if (it == leads_.end() || it->second.converted) return c.Orphan();
      it->second.converted = true;
      c.m.Add(S::kLeadsConverted, c.day, 1);
      c.m.AddFact(F::kLeadsConvertedBySource,
                  c.m.KeyOf(&it->second.source_key, it->second.source), c.day, 1);
      return;
    }
    case E::kCrmOpportunityCreated: {
      auto [it, fresh] = opportunities_.try_emplace(id);
      if (!fresh) return c.Orphan();
      Opportunity& o = it->second;
      o.stage = c.f(kOppStage).text;
      o.owner = c.f(kOppOwner).text;
      o.amount = c.f(kOppAmount).money.units();
      c.m.Add(S::kOpportunitiesNew, c.day, 1);
      c.m.Add(S::kPipelineValue, c.day, o.amount);
      c.m.AddKeyed(K::kPipelineStages, o.stage, c.day, 1);
      c.m.AddFact(F::kPipelineValueByStage, c.m.KeyOf(&o.stage_key, o.stage), c.day, o.amount);
      return;
    }
    case E::kCrmOpportunityStageChanged: {
      auto it = opportunities_.find(id);
      if (it == opportunities_.end() || !it->second.open) return c.Orphan();
      Opportunity& o = it->second;
      const std::string& stage = c.f(kStageChangedStage).text;
      const event::FieldValue& amount = c.f(kStageChangedAmount);
      int64_t new_amount = amount.present ? amount.money.units() : o.amount;
      if (stage != o.stage) {
        c.m.AddKeyed(K::kPipelineStages, o.stage, c.day, -1);
        c.m.AddKeyed(K::kPipelineStages, stage, c.day, 1);
        c.m.AddFact(F::kPipelineValueByStage, c.m.KeyOf(&o.stage_key, o.stage), c.day, -o.amount);
        o.stage = stage;
        o.stage_key = c.m.KeyOf(stage);
        c.m.AddFact(F::kPipelineValueByStage, o.stage_key, c.day, new_amount);
      } else {
        c.m.AddFact(F::kPipelineValueByStage, c.m.KeyOf(&o.stage_key, o.stage), c.day,
                    new_amount - o.amount);
      }
      c.m.Add(S::kPipelineValue, c.day, new_amount - o.amount);
      o.amount = new_amount;
      return;
    }
    case E::kCrmOpportunityWon:
    case E::kCrmOpportunityLost: {
      auto it = opportunities_.find(id);
      if (it == opportunities_.end() || !it->second.open) return c.Orphan();
      return Close(c, it->second, c.e.type == E::kCrmOpportunityWon);
    }
    case E::kCrmActivityLogged:
      c.m.Add(S::kActivitiesTotal, c.day, 1);
      c.m.AddKeyed(K::kActivitiesByType, c.f(kActivityType).text, c.day, 1);
      c.m.AddFact(F::kActivitiesByOwner, c.f(kActivityOwner).text, c.day, 1);
      return;
    default:
      return;
  }
}


void CrmProjection::Save(SnapshotWriter& w) const {
  w.U64(contacts_.size());
  for (const auto& [id, deleted] : contacts_) {
    w.Str(id);
    w.Bool(deleted);
  }
  w.U64(leads_.size());
  for (const auto& [id, lead] : leads_) {
    w.Str(id);
    w.Str(lead.source);
    w.Bool(lead.converted);
  }
  w.U64(opportunities_.size());
  for (const auto& [id, o] : opportunities_) {
    w.Str(id);
    w.Str(o.stage);
    w.Str(o.owner);
    w.I64(o.amount);
    w.Bool(o.open);
  }
}

bool CrmProjection::Load(SnapshotReader& r) {
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    std::string id = r.Str();
    contacts_[id] = r.Bool();
  }
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    Lead& lead = leads_[r.Str()];
    lead.source = r.Str();
    lead.converted = r.Bool();
  }
  for (uint64_t n = r.Count(); n > 0 && r.ok(); --n) {
    Opportunity& o = opportunities_[r.Str()];
    o.stage = r.Str();
    o.owner = r.Str();
    o.amount = r.I64();
    o.open = r.Bool();
  }
  return r.ok();
}

}  // namespace readside::projection
