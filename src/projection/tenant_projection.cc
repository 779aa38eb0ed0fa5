#include "projection/tenant_projection.h"

namespace readside::projection {

using event::Domain;
using event::EventType;

TenantProjection::TenantProjection(TenantSettings settings, LocalCalendar calendar)
    : model_(std::move(settings), std::move(calendar)) {}

void TenantProjection::Apply(const event::Event& e, uint64_t position, int64_t now_micros) {
  QualityCounts& quality = model_.quality();
  ++quality.events_total;
  if (e.type == EventType::kUnknown) {
    ++quality.unknown_type;
    model_.Touch(Domain::kNone, e.source_service, e.timestamp_micros, now_micros);
    return;
  }
  if (!e.currency.empty() && e.currency != model_.settings().currency) {
    ++quality.currency_mismatch;
    return;
  }
  const event::TypeSpec& spec = event::GetTypeSpec(e.type);
  model_.Touch(spec.domain, e.source_service, e.timestamp_micros, now_micros);
  ApplyContext c{e, position, model_.DayOf(e.timestamp_micros), model_};
  switch (spec.domain) {
    case Domain::kCrm:
      return crm_.Apply(c);
    case Domain::kHrm:
      return hrm_.Apply(c);
    case Domain::kFinance:
      if (e.type == EventType::kFinanceAccountCreated ||
          e.type == EventType::kFinanceTransactionPosted) {
        return ledger_.Apply(c);
      }
      return invoices_.Apply(c);
    case Domain::kInventory:
      return inventory_.Apply(c);
    case Domain::kProjects:
      return projects_.Apply(c);
    case Domain::kNone:
      return;
  }
}

}  // namespace readside::projection
