#include "schedule/mime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"

namespace readside::schedule {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t k20240115T10 = 1705312800'000000;  // a Monday

MailMessage Sample() {
  return MailMessage{
      .from = "reports@readside.test",
      .to = {"anna@example.com", "bob@example.org"},
      .subject = "Monthly P&L",
      .body = "Hello,\nthe report is attached.\n",
      .date_micros = k20240115T10,
      .message_id = "run-7.1705312800@readside.test",
      .attachments = {{.filename = "pnl.csv",
                       .content_type = "text/csv",
                       .data = "a,b\r\n1,2\r\n"}},
  };
}

std::string Build(const MailMessage& m) {
  absl::StatusOr<std::string> out = BuildMimeMessage(m);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : "";
}

std::vector<std::string> Lines(std::string_view message) {
  return absl::StrSplit(absl::string_view(message.data(), message.size()), "\r\n");
}

// The last header line (of the message or a part) starting with `name`, with its folded
// continuation lines.
std::string Header(std::string_view message, std::string_view name) {
  std::string out;
  bool in = false;
  for (const std::string& line : Lines(message)) {
    if (in && !line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      out += "\r\n" + line;
      continue;
    }
    in = line.starts_with(std::string(name) + ":");
    if (in) out = line;
  }
  return out;
}

// Decodes a Subject header value made of RFC 2047 B-encoded words (as EncodeSubject writes).
std::string DecodeWords(std::string_view value) {
  std::string out;
  for (absl::string_view word : absl::StrSplit(absl::string_view(value.data(), value.size()),
                                               absl::ByAnyChar("\r\n "), absl::SkipEmpty())) {
    EXPECT_TRUE(absl::ConsumePrefix(&word, "=?UTF-8?B?")) << word;
    EXPECT_TRUE(absl::ConsumeSuffix(&word, "?=")) << word;
    std::string bytes;
    EXPECT_TRUE(absl::Base64Unescape(word, &bytes)) << word;
    out += bytes;
  }
  return out;
}

TEST(MimeTest, BuildsTheExactMessage) {
  EXPECT_EQ(Build(Sample()),
            "Date: Mon, 15 Jan 2024 10:00:00 +0000\r\n"
            "From: reports@readside.test\r\n"
            "To: anna@example.com, bob@example.org\r\n"
            "Subject: Monthly P&L\r\n"
            "Message-ID: <run-7.1705312800@readside.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "Auto-Submitted: auto-generated\r\n"
            "Content-Type: multipart/mixed; boundary=\"=_readside_mixed_part\"\r\n"
            "\r\n"
            "This is a message in MIME format.\r\n"
            "\r\n"
            "--=_readside_mixed_part\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "\r\n"
            "SGVsbG8sDQp0aGUgcmVwb3J0IGlzIGF0dGFjaGVkLg0K\r\n"  // LF became CRLF
            "\r\n"
            "--=_readside_mixed_part\r\n"
            "Content-Type: text/csv;\r\n name=\"pnl.csv\"\r\n"
            "Content-Disposition: attachment;\r\n filename=\"pnl.csv\"\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "\r\n"
            "YSxiDQoxLDINCg==\r\n"
            "\r\n"
            "--=_readside_mixed_part--\r\n");
}

TEST(MimeTest, TheSameMessageGivesTheSameBytes) { EXPECT_EQ(Build(Sample()), Build(Sample())); }

TEST(MimeTest, EveryLineIsShortAsciiEndedByCrlf) {
  MailMessage m = Sample();
  m.to.clear();
  for (int i = 0; i < 12; ++i) m.to.push_back("recipient" + std::to_string(i) + "@example.com");
  m.subject = std::string(200, 'x') + " Übersicht für März 日本語 📊";
  m.body = std::string(500, 'y') + "\r\n\r\n" + "Grüße\r";
  std::string data;
  for (int i = 0; i < 10000; ++i) data.push_back(static_cast<char>(i * 7919 % 256));
  m.attachments = {
      {.filename = "Bericht März.pdf", .content_type = "application/pdf", .data = data}};
  std::string out = Build(m);
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_LT(static_cast<unsigned char>(out[i]), 0x80) << i;
    bool lf_ok = out[i] != '\n' || (i > 0 && out[i - 1] == '\r');
    bool cr_ok = out[i] != '\r' || (i + 1 < out.size() && out[i + 1] == '\n');
    ASSERT_TRUE(lf_ok && cr_ok) << "bare CR or LF at " << i;
  }
  for (const std::string& line : Lines(out)) EXPECT_LE(line.size(), 78u) << line;
  EXPECT_THAT(Header(out, "To"), HasSubstr(",\r\n recipient"));  // folded
  // The attachment: base64 lines of exactly 76 characters but the last, decoding to the data.
  std::vector<std::string> lines = Lines(out);
  auto start = std::find(lines.begin(), lines.end(), "Content-Disposition: attachment;");
  ASSERT_NE(start, lines.end());
  start = std::find(start, lines.end(), "") + 1;
  std::string b64;
  for (auto it = start; !it->empty(); ++it) {
    if (!(it + 1)->empty()) {
      EXPECT_EQ(it->size(), 76u);
    }
    b64 += *it;
  }
  std::string decoded;
  ASSERT_TRUE(absl::Base64Unescape(b64, &decoded));
  EXPECT_EQ(decoded, data);
}

TEST(MimeTest, NonAsciiOrLongSubjectsAreEncodedWordsAtCharacterBoundaries) {
  EXPECT_EQ(EncodeSubject("März"), "=?UTF-8?B?TcOkcno=?=");
  EXPECT_EQ(EncodeSubject(""), "");
  EXPECT_EQ(EncodeSubject("Plain ASCII"), "Plain ASCII");
  EXPECT_EQ(EncodeSubject("=?UTF-8?B?QQ==?="), "=?UTF-8?B?PT9VVEYtOD9CP1FRPT0/PQ==?=");
  for (const std::string& subject :
       {std::string("Monatsbericht März – Übersicht 📊 Ελληνικά 日本語のレポート"),
        std::string(150, 'a'), std::string(60, 'x') + "€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€"}) {
    std::string encoded = EncodeSubject(subject);
    EXPECT_EQ(DecodeWords(encoded), subject);
    for (const std::string& line : Lines(encoded)) EXPECT_LE(line.size() + 9, 76u) << line;
    // Every word decodes to whole UTF-8 characters on its own.
    for (absl::string_view word :
         absl::StrSplit(encoded, absl::ByAnyChar("\r\n "), absl::SkipEmpty())) {
      std::string bytes = DecodeWords(std::string_view(word.data(), word.size()));
      ASSERT_FALSE(bytes.empty());
      EXPECT_NE(static_cast<unsigned char>(bytes[0]) & 0xC0, 0x80) << word;
      absl::StatusOr<std::string> alone = BuildMimeMessage(
          {.from = "a@b.c", .to = {"d@e.f"}, .subject = bytes, .message_id = "x@y"});
      EXPECT_TRUE(alone.ok()) << word << ": " << alone.status();  // valid UTF-8 on its own
    }
  }
}

TEST(MimeTest, FileNamesAreQuotedOrRfc2231Encoded) {
  MailMessage m = Sample();
  m.attachments[0].filename = R"(P&L "2024" Q1.pdf)";
  EXPECT_EQ(Header(Build(m), "Content-Disposition"),
            "Content-Disposition: attachment;\r\n filename=\"P&L \\\"2024\\\" Q1.pdf\"");
  m.attachments[0].filename = "Bericht März 100%.pdf";
  std::string out = Build(m);
  EXPECT_EQ(
      Header(out, "Content-Disposition"),
      "Content-Disposition: attachment;\r\n filename*=UTF-8''Bericht%20M%C3%A4rz%20100%25.pdf");
  EXPECT_EQ(Header(out, "Content-Type"),
            "Content-Type: text/csv;\r\n name*=UTF-8''Bericht%20M%C3%A4rz%20100%25.pdf");
}

TEST(MimeTest, NoAttachmentsIsJustTheText) {
  MailMessage m = Sample();
  m.attachments.clear();
  std::string out = Build(m);
  EXPECT_THAT(out, ::testing::Not(HasSubstr("Content-Disposition")));
  EXPECT_THAT(out, HasSubstr("--=_readside_mixed_part--\r\n"));
}

TEST(MimeTest, RejectsHeaderInjectionAndMalformedFieldsNamingTheField) {
  struct Case {
    std::function<void(MailMessage&)> change;
    std::string_view message;
  } cases[] = {
      {[](MailMessage& m) { m.from = "reports"; }, "from: \"reports\" is not an e-mail address"},
      {[](MailMessage& m) { m.from = "Reports <r@x.com>"; }, "from: "},
      {[](MailMessage& m) { m.to.clear(); }, "to: must hold 1 to 100 addresses"},
      {[](MailMessage& m) { m.to.assign(101, "a@b.com"); }, "to: must hold 1 to 100 addresses"},
      {[](MailMessage& m) { m.to[1] = "bob@example.org\r\nBcc: eve@evil.test"; },
       "to[1]: \"bob@example.org\\r\\nBcc: eve@evil.test\" is not an e-mail address"},
      {[](MailMessage& m) { m.to[0] = "anna@example.com>"; }, "to[0]: "},
      {[](MailMessage& m) { m.subject = "Report\r\nBcc: eve@evil.test"; },
       "subject: must not contain control characters (CR, LF, …)"},
      {[](MailMessage& m) { m.subject = "a\nb"; }, "subject: must not contain control"},
      {[](MailMessage& m) { m.subject = "tab\there"; }, "subject: must not contain control"},
      {[](MailMessage& m) { m.subject = "\xC2\x85"; }, "subject: must not contain control"},
      {[](MailMessage& m) { m.subject = "M\xE4rz"; }, "subject: is not valid UTF-8"},
      {[](MailMessage& m) { m.subject = "\xC0\xAF"; }, "subject: is not valid UTF-8"},
      {[](MailMessage& m) { m.subject = "\xED\xA0\x80"; }, "subject: is not valid UTF-8"},
      {[](MailMessage& m) { m.body = "caf\xE9"; }, "body: is not valid UTF-8"},
      {[](MailMessage& m) { m.message_id = "<run-7@readside.test>"; },
       "message_id: \"<run-7@readside.test>\" is not left@right without angle brackets"},
      {[](MailMessage& m) { m.message_id = "run 7@readside.test"; }, "message_id: "},
      {[](MailMessage& m) { m.message_id = "run-7"; }, "message_id: "},
      {[](MailMessage& m) { m.message_id = "run-7@x\r\nBcc: e@v.il"; }, "message_id: "},
      {[](MailMessage& m) { m.attachments[0].filename = ""; },
       "attachments[0].filename: must be 1 to 255 bytes"},
      {[](MailMessage& m) { m.attachments[0].filename = std::string(256, 'a'); },
       "attachments[0].filename: must be 1 to 255 bytes"},
      {[](MailMessage& m) { m.attachments[0].filename = "a\r\nb.pdf"; },
       "attachments[0].filename: must not contain control characters"},
      {[](MailMessage& m) { m.attachments[0].filename = "../etc/passwd"; },
       "attachments[0].filename: must not contain '/' or '\\'"},
      {[](MailMessage& m) { m.attachments[0].filename = "\xFF.pdf"; },
       "attachments[0].filename: is not valid UTF-8"},
      {[](MailMessage& m) { m.attachments[0].content_type = "application/pdf\r\nX-Evil: 1"; },
       "attachments[0].content_type: \"application/pdf\\r\\nX-Evil: 1\" is not type/subtype"},
      {[](MailMessage& m) { m.attachments[0].content_type = "pdf"; },
       "attachments[0].content_type: "},
      {[](MailMessage& m) { m.attachments[0].content_type = "text/csv; charset=utf-8"; },
       "attachments[0].content_type: "},
  };
  for (const Case& c : cases) {
    MailMessage m = Sample();
    c.change(m);
    absl::StatusOr<std::string> out = BuildMimeMessage(m);
    ASSERT_FALSE(out.ok()) << c.message;
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(out.status().message()), StartsWith(std::string(c.message)));
  }
}

TEST(MimeTest, EmailAddresses) {
  for (const char* good :
       {"a@b", "anna.maria@example.com", "x+tag@mail.example.co.uk", "o'brien@ex-ample.org",
        "!#$%&'*+-/=?^_`{|}~@example.com", "a@1.2.3.4"}) {
    EXPECT_TRUE(ValidateEmailAddress("to", good).ok()) << good;
  }
  for (const std::string& bad : {std::string(""),
                                 std::string("@example.com"),
                                 std::string("a@"),
                                 std::string("a"),
                                 std::string("a..b@example.com"),
                                 std::string(".a@example.com"),
                                 std::string("a.@example.com"),
                                 std::string("a b@example.com"),
                                 std::string("\"a b\"@example.com"),
                                 std::string("a@-example.com"),
                                 std::string("a@example-.com"),
                                 std::string("a@example..com"),
                                 std::string("a@example.com."),
                                 std::string("a@exa_mple.com"),
                                 std::string("a@[127.0.0.1]"),
                                 std::string("jürgen@example.com"),
                                 std::string("a@bücher.de"),
                                 std::string("a@b@c.com"),
                                 std::string("<a@b.com>"),
                                 std::string("a@b.com\n"),
                                 std::string(65, 'a') + "@example.com",
                                 "a@" + std::string(64, 'b') + ".com",
                                 "a@" + std::string(250, 'b'),
                                 std::string("a@b\0c.com", 9)}) {
    absl::Status s = ValidateEmailAddress("recipients[3]", bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_THAT(std::string(s.message()), StartsWith("recipients[3]: ")) << bad;
  }
}

TEST(MimeTest, MessageIdsFromAnyTextAreValidAndDistinct) {
  EXPECT_EQ(MakeMessageId("run-42", "readside.test"), "run-42@readside.test");
  EXPECT_EQ(MakeMessageId("sch 1/2024-02-01T07:00:00Z", "acme.example"),
            "sch%201/2024-02-01T07%3A00%3A00Z@acme.example");
  EXPECT_EQ(MakeMessageId("a.b", "x"), "a%2Eb@x");
  EXPECT_EQ(MakeMessageId("100%", "x"), "100%25@x");
  EXPECT_NE(MakeMessageId("a:b", "x"), MakeMessageId("a%3Ab", "x"));
  for (const std::string& unique : {std::string(""), std::string(".."), std::string("<>\r\n"),
                                    std::string("März"), std::string("\0", 1)}) {
    MailMessage m = Sample();
    m.message_id = MakeMessageId(unique, "readside.test");
    EXPECT_TRUE(BuildMimeMessage(m).ok()) << m.message_id;
  }
}

TEST(MimeTest, DateHeaderIsRfc5322InUtc) {
  MailMessage m = Sample();
  m.date_micros = 951782400'000000 + 86400'000000 - 1;  // 2000-02-29T23:59:59.999999Z
  EXPECT_EQ(Header(Build(m), "Date"), "Date: Tue, 29 Feb 2000 23:59:59 +0000");
  m.date_micros = 0;
  EXPECT_EQ(Header(Build(m), "Date"), "Date: Thu, 01 Jan 1970 00:00:00 +0000");
}

}  // namespace
}  // namespace readside::schedule
