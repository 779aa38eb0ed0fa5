#pragma once
// JSON value equality, the duplicate-vs-conflict decision on idempotency keys
// (spec/events.md: key order and white space do not matter).
// Thread-safety: pure function.

#include <string_view>

namespace readside::event {

// True when two JSON texts denote the same value: object key order and white space do not
// matter, numbers compare by value when they fit a double exactly and by text otherwise.
// Texts that are not valid JSON are equal only when byte for byte identical.
bool JsonValueEqual(std::string_view a, std::string_view b);

}  // namespace readside::event
