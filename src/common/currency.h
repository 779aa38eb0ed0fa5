#pragma once
// ISO 4217 currency codes (the active list, including funds and precious-metal codes).
// Thread-safety: pure function over a constant table.

#include <string_view>

namespace readside {

// True for an active ISO 4217 alphabetic code such as "EUR" (upper case only).
bool IsIso4217Currency(std::string_view code);

}  // namespace readside
