// SmtpSender against a real SMTP server (tests/tools/smtp_sink.py) on loopback: plain,
// STARTTLS, implicit TLS, AUTH PLAIN and LOGIN, and the ways a delivery fails.
#include "schedule/smtp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <random>

#include "schedule/mime.h"
#include "schedule/testing/smtp_sink.h"

namespace readside::schedule {
namespace {

using ::testing::HasSubstr;
using testing::SmtpSink;
using testing::SmtpSinkOptions;

constexpr char kSubject[] = "Monatsbericht März – Übersicht 📊 Ελληνικά 日本語のレポート";
constexpr char kFilename[] = "Gewinn- und Verlustrechnung März.pdf";

class SmtpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 300'000; ++i) attachment_.push_back(static_cast<char>(rng() % 256));
    attachment_.replace(0, 4, std::string("\0\0\r\n", 4));  // NULs and a line end for sure
    attachment_ += std::string("\r\n.\r\n\0", 6);           // and SMTP's end-of-data line
  }

  std::unique_ptr<SmtpSink> StartSink(SmtpSinkOptions options = {}) {
    absl::StatusOr<std::unique_ptr<SmtpSink>> sink = SmtpSink::Start(options, dir_.path());
    EXPECT_TRUE(sink.ok()) << sink.status();
    return sink.ok() ? std::move(*sink) : nullptr;
  }

  // The self-signed certificate, made on first use.
  std::string Cert() {
    if (!cert_made_) {
      EXPECT_TRUE(testing::MakeSelfSignedCertificate(cert_dir_.path()).ok());
      cert_made_ = true;
    }
    return cert_dir_.path() + "/cert.pem";
  }
  std::string Key() { return Cert(), cert_dir_.path() + "/key.pem"; }

  SmtpConfig Config(int port, std::string scheme = "smtp") {
    return SmtpConfig{.url = scheme + "://127.0.0.1:" + std::to_string(port),
                      .from = "reports@readside.test",
                      .connect_timeout_ms = 5'000,
                      .timeout_ms = 20'000};
  }

  std::string Message() {
    absl::StatusOr<std::string> m = BuildMimeMessage({
        .from = "reports@readside.test",
        .to = {"anna@example.com", "bob@example.org"},
        .subject = kSubject,
        .body = "Guten Tag,\nim Anhang der Bericht.\n.\nGrüße",
        .date_micros = 1705312800'000000,
        .message_id = "run-42.1705312800@readside.test",
        .attachments = {{.filename = kFilename,
                         .content_type = "application/pdf",
                         .data = attachment_}},
    });
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? *m : "";
  }

  absl::Status Send(const SmtpConfig& config,
                    std::vector<std::string> to = {"anna@example.com", "bob@example.org"}) {
    return Deliver(config, std::move(to)).status();
  }
  absl::StatusOr<Delivery> Deliver(const SmtpConfig& config, std::vector<std::string> to) {
    absl::StatusOr<std::unique_ptr<SmtpSender>> sender = SmtpSender::Create(config);
    if (!sender.ok()) return sender.status();
    return (*sender)->Send(to, Message());
  }

  // What the sink recorded about its only message.
  boost::json::object OnlyMessage(const SmtpSink& sink) {
    std::vector<std::string> files = sink.MessageFiles();
    EXPECT_EQ(files.size(), 1u);
    if (files.size() != 1) return {};
    std::string json = SmtpSink::ReadFile(files[0].substr(0, files[0].size() - 4) + ".json");
    return boost::json::parse(json).as_object();
  }

  testing::ScratchDir dir_;
  testing::ScratchDir cert_dir_;
  bool cert_made_ = false;
  std::string attachment_;
};

std::string Str(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

TEST_F(SmtpTest, DeliversTheMessageIntact) {
  std::unique_ptr<SmtpSink> sink = StartSink();
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(Send(Config(sink->port())).ok());

  // The server received exactly the bytes built (libcurl's dot-stuffing undone by the server).
  std::vector<std::string> files = sink->MessageFiles();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(SmtpSink::ReadFile(files[0]), Message());

  boost::json::object meta = OnlyMessage(*sink);
  EXPECT_EQ(Str(meta["mail_from"]), "reports@readside.test");
  EXPECT_EQ(boost::json::serialize(meta["rcpt_tos"]), R"(["anna@example.com","bob@example.org"])");
  EXPECT_EQ(meta["tls"], false);
  // Python's email package reads it back: headers, text and the attachment, byte for byte.
  boost::json::object& parsed = meta["parsed"].as_object();
  EXPECT_EQ(boost::json::serialize(parsed["defects"]), "[]");
  EXPECT_EQ(Str(parsed["subject"]), kSubject);
  EXPECT_EQ(Str(parsed["message_id"]), "<run-42.1705312800@readside.test>");
  EXPECT_EQ(Str(parsed["from"]), "reports@readside.test");
  EXPECT_EQ(boost::json::serialize(parsed["to"]), R"(["anna@example.com","bob@example.org"])");
  EXPECT_EQ(Str(parsed["date"]), "Mon, 15 Jan 2024 10:00:00 +0000");
  EXPECT_EQ(Str(parsed["content_type"]), "multipart/mixed");
  // Text travels in MIME's canonical form, CRLF line ends.
  EXPECT_EQ(Str(parsed["body"]), "Guten Tag,\r\nim Anhang der Bericht.\r\n.\r\nGrüße");
  boost::json::array& attachments = parsed["attachments"].as_array();
  ASSERT_EQ(attachments.size(), 1u);
  boost::json::object& a = attachments[0].as_object();
  EXPECT_EQ(Str(a["filename"]), kFilename);
  EXPECT_EQ(Str(a["content_type"]), "application/pdf");
  std::string bytes = SmtpSink::ReadFile(Str(a["file"]));
  EXPECT_EQ(bytes.size(), attachment_.size());
  EXPECT_TRUE(bytes == attachment_);
}

TEST_F(SmtpTest, StartTlsWithAuthPlainAndLogin) {
  for (const char* mechanism : {"PLAIN", "LOGIN"}) {
    SCOPED_TRACE(mechanism);
    testing::ScratchDir out;
    absl::StatusOr<std::unique_ptr<SmtpSink>> sink = SmtpSink::Start({.tls_cert = Cert(),
                                                                      .tls_key = Key(),
                                                                      .require_starttls = true,
                                                                      .auth = "mailer:s3cret pass",
                                                                      .auth_mechanisms = mechanism},
                                                                     out.path());
    ASSERT_TRUE(sink.ok()) << sink.status();
    SmtpConfig config = Config((*sink)->port());
    config.starttls = true;
    config.ca_file = Cert();  // verified: the certificate names 127.0.0.1
    config.user = "mailer";
    config.password = "s3cret pass";
    absl::Status sent = Send(config);
    ASSERT_TRUE(sent.ok()) << sent;
    boost::json::object meta = OnlyMessage(**sink);
    EXPECT_EQ(meta["tls"], true);
    EXPECT_EQ(Str(meta["auth_mechanism"]), mechanism);
    EXPECT_EQ(Str(meta["auth_login"]), "mailer");
  }
}

TEST_F(SmtpTest, ImplicitTlsWithSmtps) {
  std::unique_ptr<SmtpSink> sink =
      StartSink({.tls_cert = Cert(), .tls_key = Key(), .implicit_tls = true, .auth = "u:p"});
  ASSERT_NE(sink, nullptr);
  SmtpConfig config = Config(sink->port(), "smtps");
  config.ca_file = Cert();
  config.user = "u";
  config.password = "p";
  absl::Status sent = Send(config);
  ASSERT_TRUE(sent.ok()) << sent;
  EXPECT_EQ(Str(OnlyMessage(*sink)["auth_login"]), "u");
}

TEST_F(SmtpTest, AWrongPasswordFailsWithTheServersReply) {
  std::unique_ptr<SmtpSink> sink =
      StartSink({.tls_cert = Cert(), .tls_key = Key(), .auth = "mailer:right"});
  ASSERT_NE(sink, nullptr);
  SmtpConfig config = Config(sink->port());
  config.starttls = true;
  config.ca_file = Cert();
  config.user = "mailer";
  config.password = "wrong";
  absl::Status sent = Send(config);
  RecordProperty("error", std::string(sent.message()));
  EXPECT_EQ(sent.code(), absl::StatusCode::kFailedPrecondition) << sent;
  EXPECT_THAT(std::string(sent.message()),
              HasSubstr("server said \"535 5.7.8 Authentication credentials invalid\""));
  EXPECT_FALSE(IsTransientSendError(sent));
  EXPECT_TRUE(sink->MessageFiles().empty());
}

TEST_F(SmtpTest, AnUntrustedCertificateFailsUnlessVerificationIsOff) {
  std::unique_ptr<SmtpSink> sink = StartSink({.tls_cert = Cert(), .tls_key = Key()});
  ASSERT_NE(sink, nullptr);
  SmtpConfig config = Config(sink->port());
  config.starttls = true;  // the system's CAs do not know the test's certificate
  absl::Status sent = Send(config);
  RecordProperty("error", std::string(sent.message()));
  EXPECT_EQ(sent.code(), absl::StatusCode::kFailedPrecondition) << sent;
  EXPECT_THAT(std::string(sent.message()), HasSubstr("certificate"));
  config.insecure_skip_verify = true;
  sent = Send(config);
  EXPECT_TRUE(sent.ok()) << sent;
}

TEST_F(SmtpTest, RequiredStartTlsThatIsNotOfferedFails) {
  std::unique_ptr<SmtpSink> sink = StartSink();
  ASSERT_NE(sink, nullptr);
  SmtpConfig config = Config(sink->port());
  config.starttls = true;
  absl::Status sent = Send(config);
  RecordProperty("error", std::string(sent.message()));
  EXPECT_EQ(sent.code(), absl::StatusCode::kFailedPrecondition) << sent;
  EXPECT_TRUE(sink->MessageFiles().empty());
}

// CURLOPT_MAIL_RCPT_ALLOWFAILS: the accepted recipients get the message; the refused are
// named with the server's reply.
TEST_F(SmtpTest, ARefusedRecipientIsListedAndTheOthersGetTheMessage) {
  std::unique_ptr<SmtpSink> sink = StartSink({.reject_rcpt = "nobody"});
  ASSERT_NE(sink, nullptr);
  absl::StatusOr<Delivery> sent =
      Deliver(Config(sink->port()), {"anna@example.com", "nobody@example.com", "bob@example.org"});
  ASSERT_TRUE(sent.ok()) << sent.status();
  ASSERT_EQ(sent->refused.size(), 1u);
  EXPECT_EQ(sent->refused[0],
            "nobody@example.com (550 5.1.1 <nobody@example.com>: Recipient address rejected: no "
            "such user)");
  boost::json::object meta = OnlyMessage(*sink);
  EXPECT_EQ(boost::json::serialize(meta["rcpt_tos"]), R"(["anna@example.com","bob@example.org"])");
  EXPECT_EQ(SmtpSink::ReadFile(sink->MessageFiles().at(0)), Message());

  absl::StatusOr<Delivery> all = Deliver(Config(sink->port()), {"anna@example.com"});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_TRUE(all->refused.empty());
}

TEST_F(SmtpTest, EveryRecipientRefusedFailsTheDeliveryWithTheServersReply) {
  std::unique_ptr<SmtpSink> sink = StartSink({.reject_rcpt = "no"});
  ASSERT_NE(sink, nullptr);
  absl::Status sent = Send(Config(sink->port()), {"nobody@example.com", "noone@example.com"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kFailedPrecondition) << sent;
  EXPECT_THAT(std::string(sent.message()),
              HasSubstr("550 5.1.1 <noone@example.com>: Recipient address rejected"));
  EXPECT_FALSE(IsTransientSendError(sent));
  EXPECT_TRUE(sink->MessageFiles().empty());
}

TEST_F(SmtpTest, ATemporaryRefusalIsTransient) {
  std::unique_ptr<SmtpSink> sink = StartSink({.data_reply = "451 4.3.0 Try again later"});
  ASSERT_NE(sink, nullptr);
  absl::Status sent = Send(Config(sink->port()));
  EXPECT_EQ(sent.code(), absl::StatusCode::kUnavailable) << sent;
  EXPECT_THAT(std::string(sent.message()), HasSubstr("server said \"451 4.3.0 Try again later\""));
  EXPECT_TRUE(IsTransientSendError(sent));
}

TEST_F(SmtpTest, AClosedPortFailsFast) {
  auto start = std::chrono::steady_clock::now();
  absl::Status sent = Send(Config(testing::ClosedPort()));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(sent.code(), absl::StatusCode::kUnavailable) << sent;
  EXPECT_THAT(std::string(sent.message()), HasSubstr("smtp: "));
  EXPECT_TRUE(IsTransientSendError(sent));
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST_F(SmtpTest, ASilentServerTimesOut) {
  std::unique_ptr<SmtpSink> sink = StartSink({.silent = true});
  ASSERT_NE(sink, nullptr);
  SmtpConfig config = Config(sink->port());
  config.connect_timeout_ms = 500;
  config.timeout_ms = 1'000;
  auto start = std::chrono::steady_clock::now();
  absl::Status sent = Send(config);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(sent.code(), absl::StatusCode::kDeadlineExceeded) << sent;
  EXPECT_TRUE(IsTransientSendError(sent));
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST_F(SmtpTest, RecipientsAreCheckedBeforeConnecting) {
  absl::Status sent =
      Send(Config(testing::ClosedPort()), {"anna@example.com", "x@y.z>\r\nRCPT TO:<eve@evil.test"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kInvalidArgument) << sent;
  EXPECT_THAT(std::string(sent.message()), HasSubstr("smtp: recipients[1]: "));
  EXPECT_EQ(Send(Config(testing::ClosedPort()), {}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(SmtpConfigTest, RefusesWhatCannotWorkNamingTheField) {
  SmtpConfig good{.url = "smtp://mail.example.com:587", .from = "reports@example.com"};
  EXPECT_TRUE(ValidateSmtpConfig(good).ok());
  struct Case {
    std::function<void(SmtpConfig&)> change;
    std::string_view message;
  } cases[] = {
      {[](SmtpConfig& c) { c.url = "http://mail.example.com"; },
       "smtp: url: the scheme must be smtp or smtps"},
      {[](SmtpConfig& c) { c.url = "mail.example.com"; }, "smtp: url: "},
      {[](SmtpConfig& c) { c.url = ""; }, "smtp: url: "},
      {[](SmtpConfig& c) { c.url = "smtp://"; }, "smtp: url: "},
      {[](SmtpConfig& c) { c.url = "smtp://u:p@mail.example.com"; },
       "smtp: url: must not hold a user or password"},
      {[](SmtpConfig& c) { c.from = "reports"; }, "smtp: from: \"reports\" is not an e-mail"},
      {[](SmtpConfig& c) { c.password = "p"; }, "smtp: password: set without a user"},
      {[](SmtpConfig& c) { c.user = "u"; }, "smtp: user: AUTH would send the password in plain"},
      {[](SmtpConfig& c) { c.timeout_ms = 0; }, "smtp: timeouts: must be positive"},
      {[](SmtpConfig& c) { c.connect_timeout_ms = -1; }, "smtp: timeouts: must be positive"},
  };
  for (const Case& c : cases) {
    SmtpConfig config = good;
    c.change(config);
    absl::Status s = ValidateSmtpConfig(config);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(std::string(s.message()), ::testing::StartsWith(std::string(c.message)));
    EXPECT_FALSE(SmtpSender::Create(config).ok());
  }
  SmtpConfig tls = good;
  tls.user = "u";
  tls.starttls = true;
  EXPECT_TRUE(ValidateSmtpConfig(tls).ok());
  tls.starttls = false;
  tls.url = "smtps://mail.example.com";
  EXPECT_TRUE(ValidateSmtpConfig(tls).ok());
}

}  // namespace
}  // namespace readside::schedule
