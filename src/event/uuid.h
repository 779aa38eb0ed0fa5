#pragma once
// Server-made event ids: random RFC 4122 version-4 UUIDs, for events sent without event_id
// and for readside's own events; name-based version-5 UUIDs where every node must make the
// same id (an event consumed from Kafka without one).
// Thread-safety: safe from any thread (each thread draws from its own generator).

#include <string>
#include <string_view>

namespace readside::event {

// A fresh random version-4 UUID in its 36-character lower-case text form.
std::string NewUuid();

// The RFC 4122 version-5 (SHA-1, name-based) UUID of `name` in `namespace_uuid` (36-character
// text form): the same name always gives the same id, on every machine. `namespace_uuid` must
// be a UUID in text form.
std::string NameUuid(std::string_view namespace_uuid, std::string_view name);

// readside's namespace for NameUuid (a fixed random UUID).
inline constexpr std::string_view kReadsideNamespace = "5f0d9c1e-7a43-4c2b-9e61-2b8f4a7d3c90";

}  // namespace readside::event
