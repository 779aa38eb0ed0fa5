#include "schedule/mime.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/base64.h"

namespace readside::schedule {
namespace {

constexpr std::string_view kBoundary = "=_readside_mixed_part";  // "=_" never occurs in base64
constexpr size_t kMaxRecipients = 100;                           // RFC 5321 §4.5.3.1.8

absl::string_view A(std::string_view s) { return {s.data(), s.size()}; }

// Untrusted text for an error message: escaped, and cut after 100 bytes.
std::string Quoted(std::string_view text) {
  std::string_view head = text.substr(0, 100);
  return absl::StrCat("\"", absl::CHexEscape(A(head)), text.size() > 100 ? "…" : "", "\"");
}

absl::Status Invalid(std::string_view field, std::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(A(field), ": ", A(rule)));
}

bool IsAtext(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// RFC 5322 dot-atom-text: atext runs separated by single dots.
bool IsDotAtom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.' ? s[i + 1] == '.' : !IsAtext(s[i])) return false;
  }
  return true;
}

bool IsDomain(std::string_view s) {
  if (s.empty() || s.back() == '.') return false;
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

// The byte length of the UTF-8 character starting at s[i], or 0 when it is not well-formed
// (overlong forms, surrogates and code points past U+10FFFF included).
size_t Utf8CharLength(std::string_view s, size_t i) {
  unsigned char c = s[i];
  if (c < 0x80) return 1;
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  unsigned char c1 = s[i + 1];
  if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
      (c == 0xF4 && c1 > 0x8F)) {
    return 0;
  }
  return n;
}

bool IsUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8CharLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// C0 controls (CR and LF among them), DEL and the C1 controls U+0080–U+009F.
bool HasControl(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (c < 0x20 || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xA0) return true;
  }
  return false;
}

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

absl::Status ValidateText(std::string_view field, std::string_view text) {
  if (!IsUtf8(text)) return Invalid(field, "is not valid UTF-8");
  if (HasControl(text)) return Invalid(field, "must not contain control characters (CR, LF, …)");
  return absl::OkStatus();
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c <= 0x20 || c >= 0x7F || std::string_view("()<>@,;:\\\"/[]?=").find(c) != s.npos) {
      return false;
    }
  }
  return true;
}

absl::Status ValidateAttachment(std::string_view field, const MailAttachment& a) {
  std::string name_field = absl::StrCat(A(field), ".filename");
  if (a.filename.empty() || a.filename.size() > 255) {
    return Invalid(name_field, "must be 1 to 255 bytes");
  }
  if (absl::Status s = ValidateText(name_field, a.filename); !s.ok()) return s;
  if (a.filename.find_first_of("/\\") != std::string::npos) {
    return Invalid(name_field, "must not contain '/' or '\\'");
  }
  size_t slash = a.content_type.find('/');
  if (a.content_type.size() > 127 || slash == std::string::npos ||
      !IsToken(std::string_view(a.content_type).substr(0, slash)) ||
      !IsToken(std::string_view(a.content_type).substr(slash + 1))) {
    return Invalid(absl::StrCat(A(field), ".content_type"),
                   absl::StrCat(Quoted(a.content_type), " is not type/subtype"));
  }
  return absl::OkStatus();
}

absl::Status Validate(const MailMessage& m) {
  if (absl::Status s = ValidateEmailAddress("from", m.from); !s.ok()) return s;
  if (m.to.empty() || m.to.size() > kMaxRecipients) {
    return Invalid("to", absl::StrCat("must hold 1 to ", kMaxRecipients, " addresses"));
  }
  for (size_t i = 0; i < m.to.size(); ++i) {
    if (absl::Status s = ValidateEmailAddress(absl::StrCat("to[", i, "]"), m.to[i]); !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = ValidateText("subject", m.subject); !s.ok()) return s;
  if (!IsUtf8(m.body)) return Invalid("body", "is not valid UTF-8");
  size_t at = m.message_id.find('@');
  if (m.message_id.size() > 250 || at == std::string::npos ||
      !IsDotAtom(std::string_view(m.message_id).substr(0, at)) ||
      !IsDotAtom(std::string_view(m.message_id).substr(at + 1))) {
    return Invalid("message_id",
                   absl::StrCat(Quoted(m.message_id), " is not left@right without angle brackets"));
  }
  for (size_t i = 0; i < m.attachments.size(); ++i) {
    absl::Status s = ValidateAttachment(absl::StrCat("attachments[", i, "]"), m.attachments[i]);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// "Mon, 15 Jan 2024 10:00:00 +0000" (RFC 5322 §3.3), written without the C locale's help.
std::string FormatDate(int64_t micros) {
  static constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  absl::CivilSecond cs = absl::ToCivilSecond(absl::FromUnixMicros(micros), absl::UTCTimeZone());
  char buf[64];
  snprintf(buf, sizeof buf, "%s, %02d %s %04lld %02d:%02d:%02d +0000",
           kDays[static_cast<int>(absl::GetWeekday(cs))], cs.day(), kMonths[cs.month() - 1],
           static_cast<long long>(cs.year()), cs.hour(), cs.minute(), cs.second());
  return buf;
}

// Base64 in lines of 76 characters, each ended by CRLF (RFC 2045 §6.8).
void AppendBase64Lines(std::string* out, std::string_view bytes) {
  std::string b64 = Base64Encode(bytes);
  for (size_t i = 0; i < b64.size(); i += 76) {
    out->append(b64, i, 76);
    out->append("\r\n");
  }
}

// LF, CR and CRLF line ends all become CRLF.
std::string ToCrlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out.append("\r\n");
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// A MIME parameter: name="ascii" (quoted-string) or name*=UTF-8''percent-encoded (RFC 2231).
std::string Parameter(std::string_view name, std::string_view value) {
  std::string out(name);
  if (IsPrintableAscii(value)) {
    out.append("=\"");
    for (char c : value) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
    return out;
  }
  out.append("*=UTF-8''");
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) ||
        std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos) {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out.append({'%', kHex[c >> 4], kHex[c & 15]});
    }
  }
  return out;
}

void AppendAddressList(std::string* out, std::string_view name,
                       const std::vector<std::string>& addresses) {
  size_t line = name.size() + 2;
  absl::StrAppend(out, A(name), ": ");
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (i > 0) {
      bool fold = line + 2 + addresses[i].size() > 78;
      out->append(fold ? ",\r\n " : ", ");
      line = fold ? 1 : line + 2;
    }
    out->append(addresses[i]);
    line += addresses[i].size();
  }
  out->append("\r\n");
}

}  // namespace

absl::Status ValidateEmailAddress(std::string_view field, std::string_view address) {
  size_t at = address.rfind('@');
  if (address.size() <= 254 && at != std::string_view::npos && at <= 64 &&
      IsDotAtom(address.substr(0, at)) && IsDomain(address.substr(at + 1))) {
    return absl::OkStatus();
  }
  return Invalid(field, absl::StrCat(Quoted(address),
                                     " is not an e-mail address (expected local@domain in ASCII)"));
}

std::string MakeMessageId(std::string_view unique, std::string_view domain) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : unique) {
    if (IsAtext(static_cast<char>(c)) && c != '%') {
      out.push_back(static_cast<char>(c));
    } else {
      out.append({'%', kHex[c >> 4], kHex[c & 15]});
    }
  }
  if (out.empty()) out.push_back('%');  // (an empty `unique` still makes a dot-atom)
  absl::StrAppend(&out, "@", A(domain));
  return out;
}

std::string EncodeSubject(std::string_view text) {
  if (IsPrintableAscii(text) && text.find("=?") == std::string_view::npos &&
      text.size() <= 78 - 9) {  // 9: "Subject: "
    return std::string(text);
  }
  // At most 39 bytes per word: 52 base64 characters, a 64-character encoded-word, so
  // "Subject: " plus the first word fits 76 columns.
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t end = i;
    while (end < text.size()) {
      size_t n = std::max<size_t>(Utf8CharLength(text, end), 1);
      if (end + n - i > 39) break;
      end += n;
    }
    if (!out.empty()) out.append("\r\n ");
    absl::StrAppend(&out, "=?UTF-8?B?", Base64Encode(text.substr(i, end - i)), "?=");
    i = end;
  }
  return out;
}

absl::StatusOr<std::string> BuildMimeMessage(const MailMessage& m) {
  if (absl::Status s = Validate(m); !s.ok()) return s;
  std::string out;
  size_t attachment_bytes = 0;
  for (const MailAttachment& a : m.attachments) attachment_bytes += a.data.size();
  out.reserve(1024 + m.body.size() * 4 / 3 + attachment_bytes * 4 / 3 * 78 / 76);
  absl::StrAppend(&out, "Date: ", FormatDate(m.date_micros), "\r\n");
  absl::StrAppend(&out, "From: ", m.from, "\r\n");
  AppendAddressList(&out, "To", m.to);
  absl::StrAppend(&out, "Subject: ", EncodeSubject(m.subject), "\r\n");
  absl::StrAppend(&out, "Message-ID: <", m.message_id, ">\r\n");
  out.append("MIME-Version: 1.0\r\n");
  out.append("Auto-Submitted: auto-generated\r\n");  // RFC 3834: no auto-replies, please
  absl::StrAppend(&out, "Content-Type: multipart/mixed; boundary=\"", A(kBoundary), "\"\r\n");
  out.append("\r\nThis is a message in MIME format.\r\n");

  absl::StrAppend(&out, "\r\n--", A(kBoundary), "\r\n");
  out.append("Content-Type: text/plain; charset=UTF-8\r\n");
  out.append("Content-Transfer-Encoding: base64\r\n\r\n");
  AppendBase64Lines(&out, ToCrlf(m.body));
  for (const MailAttachment& a : m.attachments) {
    absl::StrAppend(&out, "\r\n--", A(kBoundary), "\r\n");
    absl::StrAppend(&out, "Content-Type: ", a.content_type, ";\r\n ", Parameter("name", a.filename),
                    "\r\n");
    absl::StrAppend(&out, "Content-Disposition: attachment;\r\n ",
                    Parameter("filename", a.filename), "\r\n");
    out.append("Content-Transfer-Encoding: base64\r\n\r\n");
    AppendBase64Lines(&out, a.data);
  }
  absl::StrAppend(&out, "\r\n--", A(kBoundary), "--\r\n");
  return out;
}

}  // namespace readside::schedule
