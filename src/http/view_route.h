#pragma once
// Serving a read of one organization's published view: the analytics and report routes.
// Thread-safety: the functions are safe for concurrent requests.

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "http/analytics_params.h"
#include "http/routes.h"
#include "projection/projector.h"
#include "query/section.h"

namespace readside::http {

using ViewFn = std::function<Response(const projection::Projector::TenantRead&, const Request&,
                                      int64_t now_micros)>;

// Adds X-Readside-Position.
Response Attach(Response r, uint64_t position);
// 403: the caller's roles do not include `domain`.
Response ForbiddenDomain(std::string_view domain, const std::string& path);

// Authorizes (for `section`'s route: also that the caller sees that section), validates the
// organization and the query parameters (any not in `params` is a 400; an empty list leaves
// that check to `fn`), reads min_position/wait_ms and waits for min_position (without holding
// a server thread), then answers with fn's response.
void ServeView(const Services& s, Request& req, Responder respond,
               std::initializer_list<std::string_view> params, ViewFn fn,
               std::optional<query::Section> section = std::nullopt);

// As ServeView, for an answer made elsewhere: `fn` gets the responder and must call it once
// (from any thread), adding X-Readside-Position itself (Attach). `fn` runs on the calling
// thread, or after a min_position wait on the projector's applier thread: it must only hand
// slow work on (render_pool.h).
using AsyncViewFn = std::function<void(const projection::Projector::TenantRead&, const Request&,
                                       int64_t now_micros, Responder respond)>;
void ServeViewAsync(const Services& s, Request& req, Responder respond,
                    std::initializer_list<std::string_view> params, AsyncViewFn fn,
                    std::optional<query::Section> section = std::nullopt);

// min_offsets: refuses them (400) without Kafka or when they name a partition the topics do
// not have; else waits (without holding a server thread) until this node stored them, then
// calls `then` with the consistency turned into a position: min_position raised to where they
// were stored, wait_ms less the time spent. Answers 503 itself when they are not consumed in
// time. Without min_offsets, calls `then` at once with `consistency` as it is.
using PositionFn = std::function<void(const ReadConsistency&, Request&, Responder)>;
void ResolveOffsets(const Services& s, Request& req, Responder respond,
                    const ReadConsistency& consistency, PositionFn then);

}  // namespace readside::http
