#pragma once
// The e-mail a scheduled report is delivered as: an RFC 5322 message with a MIME
// multipart/mixed body (RFC 2045/2046) holding a UTF-8 text part and the report file as an
// attachment. Every byte of the result is ASCII with CRLF line ends and lines of at most 78
// characters (except an attachment's long file name), ready for SMTP DATA.
//
// Header injection is impossible by construction: addresses, the Message-ID and the content
// type are validated against strict ASCII grammars, the subject and file name may not hold
// control characters and are written as RFC 2047 encoded-words / RFC 2231 parameters when
// not plain ASCII, and the text and the attachment are base64. The same MailMessage always
// gives the same bytes (fixed boundary, no clock), so a resend is the identical message.
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace readside::schedule {

struct MailAttachment {
  std::string filename;      // UTF-8, 1–255 bytes, no control characters, no '/' or '\'
  std::string content_type;  // type/subtype, e.g. "application/pdf"
  std::string data;          // any bytes
};

struct MailMessage {
  std::string from;             // a bare address, e.g. "reports@example.com"
  std::vector<std::string> to;  // 1–100 bare addresses (the To header lists them all)
  std::string subject;          // UTF-8, no control characters
  std::string body;             // UTF-8 plain text; LF, CR or CRLF line ends
  int64_t date_micros = 0;      // the Date header, written in UTC ("+0000")
  // "left@right" without angle brackets (RFC 5322 dot-atom on each side); the scheduler
  // derives it from the run, so a resend of a run carries the same Message-ID.
  std::string message_id;
  std::vector<MailAttachment> attachments;
};

// The message's bytes. Fails with InvalidArgument naming the field and the rule (e.g.
// "to[1]: \"a@b@c\" is not an e-mail address (expected local@domain in ASCII)" or
// "subject: must not contain control characters (CR, LF, …)").
absl::StatusOr<std::string> BuildMimeMessage(const MailMessage& message);

// OK when `address` is a bare ASCII address: a dot-atom local part of at most 64 characters,
// '@', and a domain of letter/digit/hyphen labels; 254 characters at most. Otherwise
// InvalidArgument starting with `field`. Display names, quoted local parts, IP literals and
// internationalized addresses are not accepted.
absl::Status ValidateEmailAddress(std::string_view field, std::string_view address);

// A Message-ID (without angle brackets) for `unique`, e.g. a run's id, at `domain`, e.g. the
// sender's domain: "<unique>@<domain>" with every byte of `unique` outside RFC 5322 atext
// (dots and '%' included) percent-encoded, so any text makes a valid, distinct id. The same
// inputs always give the same id. REQUIRES: `domain` is a domain (as in an address).
std::string MakeMessageId(std::string_view unique, std::string_view domain);

// The value of a Subject header (without "Subject: "): `text` itself when it is short printable
// ASCII, otherwise RFC 2047 "=?UTF-8?B?…?=" words split at character boundaries and folded
// (CRLF SP) so no line exceeds 76 characters. REQUIRES: valid UTF-8 without control characters.
std::string EncodeSubject(std::string_view text);

}  // namespace readside::schedule
