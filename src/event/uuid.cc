#include "event/uuid.h"

#include <openssl/evp.h>

#include <cstdint>
#include <random>

namespace readside::event {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string Format(const unsigned char bytes[16]) {
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[bytes[i] >> 4]);
    s.push_back(kHex[bytes[i] & 15]);
  }
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string NameUuid(std::string_view namespace_uuid, std::string_view name) {
  unsigned char ns[16] = {};
  int n = 0;
  for (char c : namespace_uuid) {
    int v = HexValue(c);
    if (v < 0) continue;  // the dashes
    if (n < 32) ns[n / 2] = static_cast<unsigned char>(ns[n / 2] | (n % 2 == 0 ? v << 4 : v));
    ++n;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr);
  EVP_DigestUpdate(ctx, ns, sizeof ns);
  EVP_DigestUpdate(ctx, name.data(), name.size());
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x50);  // version 5
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);  // variant 10
  return Format(digest);
}

std::string NewUuid() {
  // Seeded with 256 bits: one 32-bit seed per thread would make two threads (or processes)
  // that drew the same seed produce the same ids.
  thread_local std::mt19937_64 rng = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(),
                       device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
  std::string s(36, '-');
  int pos = 0;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) ++pos;
    uint64_t word = i < 16 ? hi : lo;
    int shift = 60 - 4 * (i % 16);
    s[static_cast<size_t>(pos++)] = kHex[(word >> shift) & 15];
  }
  return s;
}

}  // namespace readside::event
