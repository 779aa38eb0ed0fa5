// CrmSim: one tenant's CRM service. Creates contacts (customers, which are never deleted,
// and prospects, which may be updated or deleted), leads from web/referral/event/partner/
// cold_call owned by sales reps, converts some of them (contact, then opportunity, then the
// lead's conversion), moves opportunities through prospecting -> qualification -> proposal
// -> negotiation until they are won or lost, logs activities, and hands won deals to finance
// (one invoice, two milestones or a 12-month subscription) and sometimes to projects.
//
// Thread-safety: not thread-safe; owned by one TenantSim.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/agenda.h"
#include "sim/slot_pool.h"
#include "sim/tenant_context.h"

namespace readside::sim {

class CrmSim {
 public:
  explicit CrmSim(TenantContext* ctx) : ctx_(*ctx) {}

  // Each returns true if it wrote an event (false: nothing to act on right now).
  bool CreateContact(bool customer);
  bool UpdateContact();
  bool DeleteContact();
  bool CreateLead();
  bool LogActivity();
  bool CreateUpsellOpportunity();
  bool RunTask(const AgendaItem& item);

  // A customer contact num, or -1 if there is none yet.
  int64_t PickCustomer() const;

 private:
  struct Contact {
    uint64_t num;
    uint64_t person_seed;
    uint64_t company_seed;
    bool customer;
  };
  struct Opportunity {
    uint64_t num = 0;   // 0 until created
    uint64_t lead = 0;  // 0 for upsells
    uint64_t contact = 0;
    uint64_t company_seed = 0;
    uint64_t flow = 0;
    int64_t owner = 0;
    int64_t amount_cents = 0;
    int64_t stage_mean = 0;  // mean time in a stage
    int stage = 0;
  };

  void AddContact(const Contact& contact);
  void WriteContactCreated(const Contact& contact, int64_t owner);
  bool ConvertLeadContact(uint32_t slot);
  bool CreateOpportunity(uint32_t slot);
  bool MarkLeadConverted(uint32_t slot);
  bool AdvanceOpportunity(uint32_t slot);
  bool LogDealActivity(uint32_t slot);
  bool Win(uint32_t slot);
  bool Lose(uint32_t slot);
  void ScheduleAdvance(uint32_t slot);
  int64_t CurrentOwner(Opportunity& opp);

  TenantContext& ctx_;
  std::vector<Contact> contacts_;   // live contacts
  std::vector<Contact> customers_;  // customer contacts (never deleted)
  SlotPool<Opportunity> opportunities_;
};

}  // namespace readside::sim
