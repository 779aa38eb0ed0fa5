#pragma once
// Internal to the event component: reads a known event type's payload into Event::fields,
// Event::ledger_lines / order_lines and Event::currency, validating every rule of the catalog.

#include "event/json_walk.h"

namespace readside::event::internal {

// REQUIRES: spec matches event->type. Returns false if the payload was rejected (errors in
// ctx) or the structure is broken (ctx.fatal).
bool ReadPayload(od::object payload, const TypeSpec& spec, const PathNode& path, int depth,
                 Event* event, WalkContext& ctx);

// Writes an unknown type's payload generically, still picking up `currency`.
bool ReadUnknownPayload(od::object payload, const PathNode& path, int depth, Event* event,
                        WalkContext& ctx);

}  // namespace readside::event::internal
