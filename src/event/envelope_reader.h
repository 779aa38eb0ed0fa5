#pragma once
// Internal to the event component: reads and validates one event object — the envelope's
// fields, data and, through ReadPayload (payload.h), its payload — into an Event, with every
// rejection named by field and rule. Written once over a JSON reader J (json_walk.h) and
// instantiated for OdJson and TapeJson, so the tape fast path and the On-Demand reference
// apply the same rules.
// Thread-safety: stateless functions over a caller-owned Event and WalkContext.

#include "event/json_walk.h"

namespace readside::event::internal {

// Reads the event object `obj` into *event with reader J, after which *event holds the
// envelope values and typed payload (but not Event::json, which the parser fills). Returns
// true when the event was accepted; false when it was rejected (errors in ctx.errors, at most
// one per broken rule) or its JSON structure broke (ctx.fatal set).
// *payload_needs_typing is set when a known event_type came only after data.payload: the
// payload was then read without its type's rules and must be read again.
// REQUIRES: *event was reset (ResetEvent).
template <typename J>
bool ReadEnvelope(typename J::Value obj, Event* event, WalkContext& ctx,
                  bool* payload_needs_typing);

// Clears every value of *event (Event::json included), keeping the strings' capacity for the
// next event.
void ResetEvent(Event* event);
// Clears the payload values only (before the payload is read again).
void ResetPayload(Event* event);

}  // namespace readside::event::internal
