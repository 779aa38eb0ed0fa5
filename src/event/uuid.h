#pragma once
// Server-made event ids: random RFC 4122 version-4 UUIDs, for events sent without event_id
// and for readside's own events.
// Thread-safety: safe from any thread (each thread draws from its own generator).

#include <string>

namespace readside::event {

// A fresh random version-4 UUID in its 36-character lower-case text form.
std::string NewUuid();

}  // namespace readside::event
