// sales, hr, inventory and projects reports (reports.md "Catalog").
#include "report/builders.h"

namespace readside::report::internal {

void AppendOperationalTypes(std::vector<TypeSpec>* catalog) {}

}  // namespace readside::report::internal
