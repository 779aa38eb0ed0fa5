#pragma once
// The string rules of the envelope's fields (spec/events.md, docs/decisions.md): the
// organization_id pattern, event_type names, the version, and ids (event_id, entity_id). The
// parser applies them to every event; HTTP routes apply IsValidOrganizationId to paths.
// Thread-safety: pure functions.

#include <cstddef>
#include <string_view>

namespace readside::event {

// ^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$ — the contract's organization_id.
bool IsValidOrganizationId(std::string_view s);

// event_type: dot-separated segments of [a-z0-9_], at least two, at most 128 characters.
bool IsEventTypeName(std::string_view s);

// version: "MAJOR.MINOR" (digits) with MAJOR == 1 (leading zeros allowed).
bool IsVersion(std::string_view s);

// An id (event_id, data.entity_id): 1 to 128 characters, none of them a control character
// (U+0000 to U+001F). Characters are Unicode code points, so an id of 128 multi-byte
// characters (up to 512 bytes) is valid. On text that is not valid UTF-8 (query parameters),
// every byte that does not continue a sequence counts as one character.
bool IsValidId(std::string_view s);

// The number of code points of valid UTF-8 text: its bytes that are not continuation bytes
// (10xxxxxx).
size_t CountCodePoints(std::string_view s);

}  // namespace readside::event
