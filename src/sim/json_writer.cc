#include "sim/json_writer.h"

#include "common/json_writer.h"

namespace readside::sim {
namespace {

void AppendTwoDigits(int64_t v, std::string* out) {
  out->push_back(static_cast<char>('0' + v / 10));
  out->push_back(static_cast<char>('0' + v % 10));
}

}  // namespace

void AppendInt(int64_t v, std::string* out) { AppendJsonInt(out, v); }

void AppendMoneyNumber(int64_t cents, std::string* out) {
  if (cents < 0) {
    out->push_back('-');
    cents = -cents;
  }
  AppendInt(cents / 100, out);
  int64_t frac = cents % 100;
  if (frac == 0) return;
  out->push_back('.');
  if (frac % 10 == 0) {
    out->push_back(static_cast<char>('0' + frac / 10));
  } else {
    AppendTwoDigits(frac, out);
  }
}

void AppendMoneyText(int64_t cents, std::string* out) {
  out->push_back('"');
  if (cents < 0) {
    out->push_back('-');
    cents = -cents;
  }
  AppendInt(cents / 100, out);
  out->push_back('.');
  AppendTwoDigits(cents % 100, out);
  out->push_back('"');
}

void JsonWriter::Key(std::string_view name) {
  Separate();
  out_->push_back('"');
  out_->append(name);
  out_->append("\":", 2);
  need_comma_ = false;
}

void JsonWriter::String(std::string_view value) {
  Separate();
  AppendJsonString(out_, value);
}

void JsonWriter::Int(int64_t value) {
  Separate();
  AppendInt(value, out_);
}

void JsonWriter::Bool(bool value) {
  Separate();
  if (value) {
    out_->append("true", 4);
  } else {
    out_->append("false", 5);
  }
}

void JsonWriter::Money(int64_t cents, bool as_text) {
  Separate();
  if (as_text) {
    AppendMoneyText(cents, out_);
  } else {
    AppendMoneyNumber(cents, out_);
  }
}

void JsonWriter::QuarterHours(int64_t quarters) {
  Separate();
  AppendInt(quarters / 4, out_);
  switch (quarters % 4) {
    case 1:
      out_->append(".25", 3);
      break;
    case 2:
      out_->append(".5", 2);
      break;
    case 3:
      out_->append(".75", 3);
      break;
    default:
      break;
  }
}

void JsonWriter::HalfUnits(int64_t halves) {
  Separate();
  AppendInt(halves / 2, out_);
  if (halves % 2 != 0) out_->append(".5", 2);
}

void JsonWriter::BeginString() {
  Separate();
  out_->push_back('"');
}

}  // namespace readside::sim
