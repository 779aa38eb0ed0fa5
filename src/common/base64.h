#pragma once
// Standard base64 (RFC 4648, with padding) for carrying arbitrary bytes in JSON.
// Thread-safety: pure function.

#include <string>
#include <string_view>

namespace readside {

std::string Base64Encode(std::string_view bytes);

}  // namespace readside
