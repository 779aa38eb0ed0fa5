#pragma once
// A minimal binary encoding for read-model snapshots: LEB128 varints, zig-zag signed
// integers, length-prefixed strings. The reader never reads past its input: after any
// malformed or truncated field it returns zeros and ok() turns false for good.
// Thread-safety: value types, one thread each.

#include <cstdint>
#include <string>
#include <string_view>

namespace readside::projection {

class SnapshotWriter {
 public:
  void U64(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void I64(int64_t v) { U64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Bool(bool v) { out_.push_back(v ? 1 : 0); }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  std::string& buffer() { return out_; }

 private:
  std::string out_;
};

class SnapshotReader {
 public:
  explicit SnapshotReader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }
  uint64_t U64() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return Fail();
      uint8_t b = static_cast<uint8_t>(in_.front());
      in_.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail();
  }
  int64_t I64() {
    uint64_t u = U64();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  bool Bool() {
    if (in_.empty()) return Fail() != 0;
    char c = in_.front();
    in_.remove_prefix(1);
    return c != 0;
  }
  std::string Str() {
    uint64_t n = U64();
    if (n > in_.size()) return Fail(), std::string();
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  // What is left to read, and skipping n bytes of it (failing when fewer are left).
  std::string_view Rest() const { return in_; }
  void Skip(uint64_t n) {
    if (n > in_.size()) {
      Fail();
    } else {
      in_.remove_prefix(n);
    }
  }
  // A count of items that each take at least one byte: bounded by what is left.
  uint64_t Count() {
    uint64_t n = U64();
    return n > in_.size() ? Fail() : n;
  }
  uint64_t Fail() {
    ok_ = false;
    in_ = {};
    return 0;
  }

 private:
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace readside::projection
