// Financial statements (reports.md "Catalog", financial; docs/reports.md).
#include "report/builders.h"

namespace readside::report::internal {

void BuildPnl(const ReportRequest& r, Document* doc) {}
void BuildBalanceSheet(const ReportRequest& r, Document* doc) {}
void BuildCashFlow(const ReportRequest& r, Document* doc) {}
void BuildTrialBalance(const ReportRequest& r, Document* doc) {}
void BuildArAging(const ReportRequest& r, Document* doc) {}

}  // namespace readside::report::internal
