#include "report/document.h"

#include <algorithm>
#include <cstdlib>

#include "common/json_writer.h"
#include "common/time_util.h"

namespace readside::report {
namespace {

using Wide = __int128;

constexpr int64_t kPow10[] = {1,         10,         100,         1000,        10000,
                              100000,    1000000,    10000000,    100000000,   1000000000};

// a / b rounded half away from zero. REQUIRES: b > 0.
Wide DivRound(Wide a, Wide b) {
  Wide q = a / b, r = a % b;
  if (r < 0) r = -r;
  if (2 * r >= b) q += a < 0 ? -1 : 1;
  return q;
}

int64_t Clamp(Wide v) {
  if (v > INT64_MAX) return INT64_MAX;
  if (v < INT64_MIN) return INT64_MIN;
  return static_cast<int64_t>(v);
}

std::string DigitsOf(Wide v) {  // v >= 0
  std::string s;
  do {
    s += static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  } while (v > 0);
  std::reverse(s.begin(), s.end());
  return s;
}

}  // namespace

Decimal Decimal::Ratio(int64_t num, int64_t den, uint8_t scale) {
  if (den == 0) return {0, scale};
  Wide n = static_cast<Wide>(num) * kPow10[scale];
  Wide d = den;
  if (d < 0) n = -n, d = -d;
  return {Clamp(DivRound(n, d)), scale};
}

Decimal Decimal::Percent(int64_t num, int64_t den, uint8_t scale) {
  if (den == 0) return {0, scale};
  Wide n = static_cast<Wide>(num) * 100 * kPow10[scale];
  Wide d = den;
  if (d < 0) n = -n, d = -d;
  return {Clamp(DivRound(n, d)), scale};
}

std::string Decimal::ToString() const {
  Wide v = units;
  bool negative = v < 0;
  if (negative) v = -v;
  Wide whole = v / kPow10[scale], frac = v % kPow10[scale];
  std::string out = negative ? "-" : "";
  out += DigitsOf(whole);
  if (frac != 0) {
    std::string f = DigitsOf(frac);
    f = std::string(scale - f.size(), '0') + f;
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += '.';
    out += f;
  }
  return out;
}

std::string Decimal::Format(int places, bool group) const {
  Wide v = units;
  int s = scale;
  if (places < s) {
    v = DivRound(v, kPow10[s - places]);
  } else {
    for (; s < places; ++s) v *= 10;
  }
  bool negative = v < 0;
  if (negative) v = -v;
  Wide p = 1;
  for (int i = 0; i < places; ++i) p *= 10;
  std::string digits = DigitsOf(v / p), whole;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (group && i > 0 && (digits.size() - i) % 3 == 0) whole += ',';
    whole += digits[i];
  }
  std::string out = negative ? "-" : "";
  out += whole;
  if (places > 0) {
    std::string f = DigitsOf(v % p);
    f = std::string(places - f.size(), '0') + f;
    out += '.';
    out += f;
  }
  return out;
}

double Decimal::ToDouble() const { return std::strtod(ToString().c_str(), nullptr); }

bool Decimal::operator==(const Decimal& o) const {
  Wide a = units, b = o.units;
  for (int s = scale; s < o.scale; ++s) a *= 10;
  for (int s = o.scale; s < scale; ++s) b *= 10;
  return a == b;
}

std::string_view ColumnTypeName(ColumnType t) {
  switch (t) {
    case ColumnType::kString: return "string";
    case ColumnType::kInteger: return "integer";
    case ColumnType::kNumber: return "number";
    case ColumnType::kMoney: return "money";
    case ColumnType::kPercent: return "percent";
    case ColumnType::kDate: return "date";
  }
  return "string";
}

std::string_view SectionKindName(SectionKind k) {
  switch (k) {
    case SectionKind::kKpis: return "kpis";
    case SectionKind::kTable: return "table";
    case SectionKind::kChart: return "chart";
  }
  return "table";
}

const Section* Document::Find(std::string_view id) const {
  for (const Section& s : sections) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

const Section* Document::Table(std::string_view id) const {
  for (const Section& s : sections) {
    if (s.kind == SectionKind::kTable && (id.empty() || s.id == id)) return &s;
  }
  return nullptr;
}

std::string FileName(const Document& doc, std::string_view extension) {
  std::string name = doc.organization_id + "-" + doc.report + "-" + doc.type + "-" + doc.period;
  for (char& c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  name += '.';
  name += extension;
  return name;
}

std::string GeneratedAtText(const Document& doc) { return FormatRfc3339(doc.generated_at_micros); }

namespace {

void WriteDecimal(JsonBuilder& j, const Decimal& d) { j.Raw(d.ToString()); }

void WriteCell(JsonBuilder& j, const Cell& c) {
  if (const auto* s = std::get_if<std::string>(&c)) {
    j.String(*s);
  } else if (const auto* d = std::get_if<Decimal>(&c)) {
    WriteDecimal(j, *d);
  } else {
    j.Null();
  }
}

void WriteSection(JsonBuilder& j, const Section& s) {
  j.BeginObject().Key("id").String(s.id).Key("title").String(s.title);
  j.Key("kind").String(SectionKindName(s.kind));
  switch (s.kind) {
    case SectionKind::kKpis:
      j.Key("items").BeginArray();
      for (const KpiItem& item : s.items) {
        j.BeginObject().Key("label").String(item.label).Key("value");
        WriteDecimal(j, item.value);
        j.Key("unit").String(item.unit).EndObject();
      }
      j.EndArray();
      break;
    case SectionKind::kTable:
      j.Key("columns").BeginArray();
      for (const Column& c : s.columns) {
        j.BeginObject().Key("id").String(c.id).Key("label").String(c.label);
        j.Key("type").String(ColumnTypeName(c.type)).EndObject();
      }
      j.EndArray().Key("rows").BeginArray();
      for (const auto& row : s.rows) {
        j.BeginObject();
        for (size_t i = 0; i < s.columns.size() && i < row.size(); ++i) {
          j.Key(s.columns[i].id);
          WriteCell(j, row[i]);
        }
        j.EndObject();
      }
      j.EndArray();
      if (!s.totals.empty()) {
        j.Key("totals").BeginObject();
        for (size_t i = 0; i < s.columns.size() && i < s.totals.size(); ++i) {
          if (std::holds_alternative<std::monostate>(s.totals[i])) continue;
          j.Key(s.columns[i].id);
          WriteCell(j, s.totals[i]);
        }
        j.EndObject();
      }
      break;
    case SectionKind::kChart:
      j.Key("chart").String(s.chart).Key("series").BeginArray();
      for (const ChartSeries& series : s.series) {
        j.BeginObject().Key("name").String(series.name).Key("points").BeginArray();
        for (const ChartPoint& p : series.points) {
          j.BeginObject().Key("x").String(p.x).Key("y");
          WriteDecimal(j, p.y);
          j.EndObject();
        }
        j.EndArray().EndObject();
      }
      j.EndArray();
      break;
  }
  j.EndObject();
}

}  // namespace

std::string ToJson(const Document& doc) {
  JsonBuilder j;
  j.BeginObject();
  j.Key("organization_id").String(doc.organization_id);
  j.Key("title").String(doc.title);
  j.Key("report").String(doc.report);
  j.Key("type").String(doc.type);
  j.Key("period").String(doc.period);
  j.Key("parameters").BeginObject();
  for (const auto& [name, value] : doc.parameters) j.Key(name).String(value);
  j.EndObject();
  j.Key("generated_at").String(GeneratedAtText(doc));
  j.Key("position").Int(static_cast<int64_t>(doc.position));
  j.Key("currency").String(doc.currency);
  if (doc.balanced) j.Key("balanced").Bool(*doc.balanced);
  j.Key("sections").BeginArray();
  for (const Section& s : doc.sections) WriteSection(j, s);
  j.EndArray();
  j.EndObject();
  return j.Take();
}

}  // namespace readside::report
