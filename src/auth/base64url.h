#pragma once
// base64url without padding (RFC 4648 §5, RFC 7515 §2), as JWS and JWK use it. Decoding is
// strict so that one byte string has exactly one accepted text: '=' padding, '+', '/',
// whitespace, any other character, a length of 1 mod 4 and non-zero unused bits in the last
// character are all refused.
// Thread-safety: pure functions.

#include <optional>
#include <string>
#include <string_view>

namespace readside::auth {

std::string Base64UrlEncode(std::string_view bytes);
// The decoded bytes, or nullopt when `text` is not canonical unpadded base64url.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace readside::auth
