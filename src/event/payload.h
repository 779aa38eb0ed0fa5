#pragma once
// Internal to the event component: reads a known event type's payload into Event::fields,
// Event::ledger_lines / order_lines and Event::currency, validating every rule of the catalog.

#include "event/json_walk.h"

namespace readside::event::internal {

// Reads the payload object `payload` into Event::fields, Event::ledger_lines / order_lines and
// Event::currency with the rules of `spec` (matching event->type), or, for an unknown type
// (spec == nullptr), validates it generically, still picking up `currency`. Returns false if
// the payload was rejected (errors in ctx) or the structure is broken (ctx.fatal).
// Instantiated for OdJson and TapeJson (json_walk.h).
template <typename J>
bool ReadPayload(typename J::Value payload, const TypeSpec* spec, const PathNode& path, int depth,
                 Event* event, WalkContext& ctx);

}  // namespace readside::event::internal
