// CrmSim's opportunity pipeline: lead conversion, stage progression, wins and losses, and
// the hand-over of won deals to finance and projects (see crm_sim.h).
#include <string_view>

#include "sim/crm_sim.h"
#include "sim/finance_sim.h"
#include "sim/hrm_sim.h"
#include "sim/names.h"
#include "sim/projects_sim.h"

namespace readside::sim {
namespace {

constexpr std::string_view kStages[] = {"prospecting", "qualification", "proposal", "negotiation"};
constexpr double kLossByStage[] = {0.22, 0.18, 0.18};  // leaving stage 0, 1, 2
constexpr double kWinInNegotiation = 0.68;
constexpr std::string_view kOfferings[] = {"Platform License", "Implementation", "Annual Support",
                                           "Expansion",        "Pilot",          "Enterprise Plan"};
constexpr std::string_view kLossReasons[] = {"price", "competitor", "no_budget", "timing",
                                             "no_decision"};
constexpr uint32_t kLossReasonWeights[] = {30, 25, 20, 15, 10};
constexpr std::string_view kDealActivities[] = {"meeting", "demo", "call", "email"};
constexpr uint32_t kDealActivityWeights[] = {40, 30, 20, 10};
constexpr int kNetDays[] = {15, 30, 45, 60};
constexpr uint32_t kNetDayWeights[] = {15, 65, 10, 10};

}  // namespace

bool CrmSim::RunTask(const AgendaItem& item) {
  switch (item.task) {
    case Task::kConvertLeadContact:
      return ConvertLeadContact(item.a);
    case Task::kCreateOpportunity:
      return CreateOpportunity(item.a);
    case Task::kMarkLeadConverted:
      return MarkLeadConverted(item.a);
    case Task::kAdvanceOpportunity:
      return AdvanceOpportunity(item.a);
    case Task::kLogDealActivity:
      return LogDealActivity(item.a);
    default:
      return false;
  }
}

int64_t CrmSim::CurrentOwner(Opportunity& opp) {
  if (!ctx_.hrm->IsActive(static_cast<uint64_t>(opp.owner))) {  // reassigned after a departure
    int64_t rep = ctx_.hrm->PickSalesRep();
    if (rep >= 0) opp.owner = rep;
  }
  return opp.owner;
}

bool CrmSim::ConvertLeadContact(uint32_t slot) {
  Opportunity& opp = opportunities_[slot];
  Contact c;
  c.num = ctx_.NewId(EntityKind::kContact);
  c.person_seed = EntityKey(ctx_.index, EntityKind::kLead, opp.lead);  // the lead's person
  c.company_seed = opp.company_seed;
  c.customer = true;
  opp.contact = c.num;
  WriteContactCreated(c, CurrentOwner(opp));
  AddContact(c);
  ctx_.After(ctx_.Moments(), Task::kCreateOpportunity, slot);
  return true;
}

bool CrmSim::CreateOpportunity(uint32_t slot) {
  Opportunity& opp = opportunities_[slot];
  opp.num = ctx_.NewId(EntityKind::kOpportunity);
  int64_t owner = CurrentOwner(opp);
  JsonWriter& w = ctx_.Begin(EventType::kOpportunityCreated, opp.num, opp.flow);
  w.Key("stage");
  w.String(kStages[opp.stage]);
  w.Key("amount");
  w.Money(opp.amount_cents, ctx_.rng.Chance(0.1));
  ctx_.builder.RefField("owner_id", EntityKind::kEmployee, static_cast<uint64_t>(owner));
  w.Key("name");
  w.BeginString();
  AppendCompanyName(opp.company_seed, w.out());
  w.out()->append(" - ");
  w.out()->append(kOfferings[ctx_.rng.Below(sizeof(kOfferings) / sizeof(kOfferings[0]))]);
  w.EndString();
  if (opp.lead != 0) ctx_.builder.RefField("lead_id", EntityKind::kLead, opp.lead);
  ctx_.builder.RefField("contact_id", EntityKind::kContact, opp.contact);
  ctx_.End(owner);
  if (opp.lead != 0) ctx_.After(ctx_.Moments(), Task::kMarkLeadConverted, slot);
  ScheduleAdvance(slot);
  return true;
}

void CrmSim::ScheduleAdvance(uint32_t slot) {
  Opportunity& opp = opportunities_[slot];
  int64_t delay = ctx_.rng.Exponential(opp.stage_mean) + kMicrosPerHour;
  ctx_.After(delay, Task::kAdvanceOpportunity, slot);
  // A meeting or demo while in this stage; always before the stage ends.
  if (ctx_.rng.Chance(0.5)) {
    ctx_.After(delay * ctx_.rng.Between(20, 80) / 100, Task::kLogDealActivity, slot);
  }
}

bool CrmSim::MarkLeadConverted(uint32_t slot) {
  Opportunity& opp = opportunities_[slot];
  int64_t owner = CurrentOwner(opp);
  ctx_.Begin(EventType::kLeadConverted, opp.lead, opp.flow);
  ctx_.builder.RefField("owner_id", EntityKind::kEmployee, static_cast<uint64_t>(owner));
  ctx_.builder.RefField("opportunity_id", EntityKind::kOpportunity, opp.num);
  ctx_.End(owner);
  return true;
}

bool CrmSim::LogDealActivity(uint32_t slot) {
  Opportunity& opp = opportunities_[slot];
  int64_t owner = CurrentOwner(opp);
  size_t type = ctx_.rng.Choose(kDealActivityWeights);
  JsonWriter& w =
      ctx_.Begin(EventType::kActivityLogged, ctx_.NewId(EntityKind::kActivity), opp.flow);
  w.Key("activity_type");
  w.String(kDealActivities[type]);
  ctx_.builder.RefField("owner_id", EntityKind::kEmployee, static_cast<uint64_t>(owner));
  ctx_.builder.RefField("contact_id", EntityKind::kContact, opp.contact);
  ctx_.builder.RefField("opportunity_id", EntityKind::kOpportunity, opp.num);
  if (type != 3) {
    w.Key("duration_minutes");
    w.Int(15 * ctx_.rng.Between(1, 6));
  }
  ctx_.End(owner);
  return true;
}

bool CrmSim::AdvanceOpportunity(uint32_t slot) {
  Opportunity& opp = opportunities_[slot];
  if (opp.stage == 3) return ctx_.rng.Chance(kWinInNegotiation) ? Win(slot) : Lose(slot);
  if (ctx_.rng.Chance(kLossByStage[opp.stage])) return Lose(slot);
  ++opp.stage;
  int64_t owner = CurrentOwner(opp);
  JsonWriter& w = ctx_.Begin(EventType::kOpportunityStageChanged, opp.num, opp.flow);
  w.Key("stage");
  w.String(kStages[opp.stage]);
  if (ctx_.rng.Chance(0.3)) {  // re-scoped
    opp.amount_cents = opp.amount_cents * ctx_.rng.Between(80, 125) / 100 / 10000 * 10000 + 10000;
    w.Key("amount");
    w.Money(opp.amount_cents, ctx_.rng.Chance(0.1));
  }
  ctx_.End(owner);
  ScheduleAdvance(slot);
  return true;
}

bool CrmSim::Lose(uint32_t slot) {
  Opportunity& opp = opportunities_[slot];
  int64_t owner = CurrentOwner(opp);
  JsonWriter& w = ctx_.Begin(EventType::kOpportunityLost, opp.num, opp.flow);
  w.Key("reason");
  w.String(kLossReasons[ctx_.rng.Choose(kLossReasonWeights)]);
  ctx_.End(owner);
  opportunities_.Release(slot);
  return true;
}

bool CrmSim::Win(uint32_t slot) {
  Opportunity opp = opportunities_[slot];
  opportunities_.Release(slot);
  Rng& rng = ctx_.rng;
  int64_t owner = CurrentOwner(opp);
  int64_t amount = opp.amount_cents * rng.Between(90, 105) / 100 / 10000 * 10000 + 10000;
  JsonWriter& w = ctx_.Begin(EventType::kOpportunityWon, opp.num, opp.flow);
  if (rng.Chance(0.9)) {
    w.Key("amount");
    w.Money(amount, rng.Chance(0.1));
  } else {
    amount = opp.amount_cents;  // the opportunity's current amount applies
  }
  ctx_.builder.RefField("owner_id", EntityKind::kEmployee, static_cast<uint64_t>(owner));
  ctx_.End(owner);

  int64_t invoice_delay = rng.Between(60, 2880) * kMicrosPerMinute;
  uint64_t r = rng.Below(100);
  if (r < 25) {
    ctx_.finance->StartSubscription(opp.contact, amount / 12, 12, opp.flow, invoice_delay);
  } else {
    InvoiceRequest invoice;
    invoice.customer = opp.contact;
    invoice.kind = RevenueKind::kDeal;
    invoice.net_days = kNetDays[rng.Choose(kNetDayWeights)];
    invoice.flow = opp.flow;
    invoice.amount_cents = amount;
    if (amount > 10000000 && r < 55) {  // two milestones
      invoice.amount_cents = amount / 2;
      ctx_.finance->ScheduleInvoice(invoice, invoice_delay);
      invoice.amount_cents = amount - amount / 2;
      invoice_delay += rng.Between(30, 60) * kMicrosPerDay;
    }
    ctx_.finance->ScheduleInvoice(invoice, invoice_delay);
  }
  if (rng.Chance(0.35)) {
    ctx_.projects->ScheduleClientProject(opp.contact, opp.company_seed, amount, opp.flow,
                                         rng.Between(1, 5) * kMicrosPerDay);
  }
  return true;
}

}  // namespace readside::sim
