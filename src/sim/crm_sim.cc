// CrmSim's spontaneous work: contacts, leads, activities and upsell opportunities. The
// opportunity pipeline lives in crm_pipeline.cc.
#include "sim/crm_sim.h"

#include <string_view>

#include "sim/hrm_sim.h"
#include "sim/names.h"

namespace readside::sim {
namespace {

constexpr std::string_view kLeadSources[] = {"web", "referral", "event", "partner", "cold_call"};
constexpr uint32_t kLeadSourceWeights[] = {35, 20, 15, 15, 15};
constexpr double kConversionBySource[] = {0.30, 0.50, 0.30, 0.40, 0.20};
constexpr std::string_view kActivityTypes[] = {"call", "email", "meeting", "demo"};
constexpr uint32_t kActivityWeights[] = {40, 35, 15, 10};
constexpr size_t kMaxTrackedContacts = 20000;
constexpr int64_t kMinDealCents = 500000;
constexpr int64_t kMaxDealCents = 25000000;

// A deal size in whole hundreds of dollars, within 5k..250k.
int64_t DealAmount(Rng& rng, int64_t median_cents) {
  int64_t amount = rng.LogNormal(median_cents, 800) / 10000 * 10000;
  if (amount < kMinDealCents) amount = kMinDealCents + static_cast<int64_t>(rng.Below(50)) * 10000;
  if (amount > kMaxDealCents) amount = kMaxDealCents - static_cast<int64_t>(rng.Below(50)) * 10000;
  return amount;
}

// Mean time an opportunity spends in one stage: 4 hours .. 10 days, median 36 hours.
int64_t StageMean(Rng& rng, int64_t median) {
  int64_t mean = rng.LogNormal(median, 700);
  if (mean < 4 * kMicrosPerHour) mean = 4 * kMicrosPerHour;
  if (mean > 10 * kMicrosPerDay) mean = 10 * kMicrosPerDay;
  return mean;
}

}  // namespace

int64_t CrmSim::PickCustomer() const {
  if (customers_.empty()) return -1;
  return static_cast<int64_t>(customers_[ctx_.rng.Below(customers_.size())].num);
}

void CrmSim::AddContact(const Contact& contact) {
  if (contacts_.size() < kMaxTrackedContacts) {
    contacts_.push_back(contact);
  } else {  // forget an old one (it still exists, it is just not picked again)
    contacts_[ctx_.rng.Below(contacts_.size())] = contact;
  }
  if (!contact.customer) return;
  if (customers_.size() < kMaxTrackedContacts) {
    customers_.push_back(contact);
  } else {
    customers_[ctx_.rng.Below(customers_.size())] = contact;
  }
}

void CrmSim::WriteContactCreated(const Contact& contact, int64_t owner) {
  JsonWriter& w = ctx_.Begin(EventType::kContactCreated, contact.num);
  w.Key("name");
  w.BeginString();
  AppendPersonName(contact.person_seed, w.out());
  w.EndString();
  if (contact.customer || ctx_.rng.Chance(0.9)) {
    w.Key("email");
    w.BeginString();
    AppendEmail(contact.person_seed, contact.company_seed, w.out());
    w.EndString();
  }
  if (contact.customer || ctx_.rng.Chance(0.95)) {
    w.Key("company");
    w.BeginString();
    AppendCompanyName(contact.company_seed, w.out());
    w.EndString();
  }
  ctx_.builder.RefField("owner_id", EntityKind::kEmployee, static_cast<uint64_t>(owner));
  ctx_.End(owner);
}

bool CrmSim::CreateContact(bool customer) {
  int64_t owner = ctx_.hrm->PickSalesRep();
  if (owner < 0) return false;
  Contact c;
  c.num = ctx_.NewId(EntityKind::kContact);
  c.person_seed = EntityKey(ctx_.index, EntityKind::kContact, c.num);
  c.company_seed = Mix64(c.person_seed);
  if (!customer && !contacts_.empty() && ctx_.rng.Chance(0.3)) {  // a colleague of a contact
    c.company_seed = contacts_[ctx_.rng.Below(contacts_.size())].company_seed;
  }
  c.customer = customer;
  WriteContactCreated(c, owner);
  AddContact(c);
  return true;
}

bool CrmSim::UpdateContact() {
  if (contacts_.empty()) return false;
  int64_t owner = ctx_.hrm->PickSalesRep();
  if (owner < 0) return false;
  Contact& c = contacts_[ctx_.rng.Below(contacts_.size())];
  uint64_t r = ctx_.rng.Below(100);
  JsonWriter& w = ctx_.Begin(EventType::kContactUpdated, c.num);
  if (r < 40) {  // moved to another company
    c.company_seed = Mix64(c.company_seed ^ static_cast<uint64_t>(ctx_.now));
    w.Key("company");
    w.BeginString();
    AppendCompanyName(c.company_seed, w.out());
    w.EndString();
    w.Key("email");
    w.BeginString();
    AppendEmail(c.person_seed, c.company_seed, w.out());
    w.EndString();
  } else if (r < 75) {
    ctx_.builder.RefField("owner_id", EntityKind::kEmployee, static_cast<uint64_t>(owner));
  } else {
    w.Key("email");
    w.BeginString();
    AppendEmail(c.person_seed ^ 0x5a5a, c.company_seed, w.out());
    w.EndString();
  }
  ctx_.End(owner);
  return true;
}

bool CrmSim::DeleteContact() {
  for (int attempt = 0; attempt < 3 && !contacts_.empty(); ++attempt) {
    size_t i = ctx_.rng.Below(contacts_.size());
    if (contacts_[i].customer) continue;
    uint64_t num = contacts_[i].num;
    contacts_[i] = contacts_.back();
    contacts_.pop_back();
    ctx_.Begin(EventType::kContactDeleted, num);
    ctx_.End(ctx_.hrm->PickSalesRep());
    return true;
  }
  return false;
}

bool CrmSim::CreateLead() {
  int64_t owner = ctx_.hrm->PickSalesRep();
  if (owner < 0) return false;
  Rng& rng = ctx_.rng;
  size_t source = rng.Choose(kLeadSourceWeights);
  uint64_t num = ctx_.NewId(EntityKind::kLead);
  uint64_t person_seed = EntityKey(ctx_.index, EntityKind::kLead, num);
  int64_t estimate = DealAmount(rng, ctx_.profile.deal_median_cents);
  uint64_t flow = ctx_.NewFlow();
  JsonWriter& w = ctx_.Begin(EventType::kLeadCreated, num, flow);
  w.Key("source");
  w.String(kLeadSources[source]);
  ctx_.builder.RefField("owner_id", EntityKind::kEmployee, static_cast<uint64_t>(owner));
  w.Key("name");
  w.BeginString();
  AppendPersonName(person_seed, w.out());
  w.EndString();
  w.Key("company");
  w.BeginString();
  AppendCompanyName(Mix64(person_seed), w.out());
  w.EndString();
  if (rng.Chance(0.7)) {
    w.Key("estimated_value");
    w.Money(estimate, rng.Chance(0.1));
  }
  ctx_.End(owner);
  if (!rng.Chance(kConversionBySource[source])) return true;

  Opportunity opp;
  opp.lead = num;
  opp.company_seed = Mix64(person_seed);
  opp.flow = flow;
  opp.owner = owner;
  opp.amount_cents = estimate * rng.Between(70, 130) / 100 / 10000 * 10000;
  if (opp.amount_cents < kMinDealCents) opp.amount_cents = kMinDealCents;
  opp.stage_mean = StageMean(rng, 36 * kMicrosPerHour);
  ctx_.After(rng.Exponential(60 * kMicrosPerHour) + 20 * kMicrosPerMinute,
             Task::kConvertLeadContact, opportunities_.Add(opp));
  return true;
}

bool CrmSim::LogActivity() {
  int64_t owner = ctx_.rng.Chance(0.8) ? ctx_.hrm->PickSalesRep() : ctx_.hrm->PickActive(kSupport);
  if (owner < 0) owner = ctx_.hrm->PickActiveAny();
  if (owner < 0) return false;
  size_t type = ctx_.rng.Choose(kActivityWeights);
  JsonWriter& w = ctx_.Begin(EventType::kActivityLogged, ctx_.NewId(EntityKind::kActivity));
  w.Key("activity_type");
  w.String(kActivityTypes[type]);
  ctx_.builder.RefField("owner_id", EntityKind::kEmployee, static_cast<uint64_t>(owner));
  if (!contacts_.empty() && ctx_.rng.Chance(0.85)) {
    ctx_.builder.RefField("contact_id", EntityKind::kContact,
                          contacts_[ctx_.rng.Below(contacts_.size())].num);
  }
  if (type != 1) {
    w.Key("duration_minutes");
    w.Int(5 * ctx_.rng.Between(1, type == 0 ? 6 : 18));
  }
  ctx_.End(owner);
  return true;
}

bool CrmSim::CreateUpsellOpportunity() {
  if (customers_.empty()) return false;
  int64_t owner = ctx_.hrm->PickSalesRep();
  if (owner < 0) return false;
  const Contact& customer = customers_[ctx_.rng.Below(customers_.size())];
  Opportunity opp;
  opp.contact = customer.num;
  opp.company_seed = customer.company_seed;
  opp.flow = ctx_.NewFlow();
  opp.owner = owner;
  opp.amount_cents = DealAmount(ctx_.rng, ctx_.profile.deal_median_cents / 2);
  opp.stage_mean = StageMean(ctx_.rng, 24 * kMicrosPerHour);
  opp.stage = 1;  // existing customers skip prospecting
  return CreateOpportunity(opportunities_.Add(opp));
}

}  // namespace readside::sim
