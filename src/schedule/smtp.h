#pragma once
// Delivering a built message (mime.h) to an SMTP server with libcurl: `smtp://` (optionally
// requiring STARTTLS) or `smtps://` (TLS from the first byte), with AUTH when a user is set.
// libcurl stays in smtp.cc. MailTransport is the seam: the scheduler holds a MailTransport,
// tests can give it a fake.
// Thread-safety: Send may be called from several threads at once (each call uses its own
// connection); SmtpSender is immutable after Create.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace readside::schedule {

// What serve's --smtp-* flags configure (../shared/spec/reports.md "Schedules").
struct SmtpConfig {
  // "smtp://host[:port]" (port 25 by default) or "smtps://host[:port]" (465).
  std::string url;
  // The envelope sender (MAIL FROM) and the From header; a bare address.
  std::string from;
  // On smtp://, refuse to go on unless the server accepts STARTTLS (--smtp-starttls).
  // Without it an smtp:// connection stays plain text (no opportunistic TLS: a downgrade
  // could not be noticed anyway). smtps:// is always TLS.
  bool starttls = false;
  // AUTH (PLAIN, LOGIN or what else both sides know) when `user` is set. Refused over a plain
  // text connection: set `starttls` or use smtps://.
  std::string user;
  std::string password;
  // Connecting, TLS included, may take this long. Default 10 s.
  int64_t connect_timeout_ms = 10'000;
  // The whole delivery may take this long. Default 60 s.
  int64_t timeout_ms = 60'000;
  // Trust the CA certificates of this PEM file instead of the system's (a private CA, tests).
  std::string ca_file;
  // Skip certificate and host name verification. Tests only: it lets anyone in between read
  // the reports and the password.
  bool insecure_skip_verify = false;
};

// OK when `config` can be used; otherwise InvalidArgument naming the field (a start-up
// error: the scheme is not smtp/smtps, the URL has no host or carries a user, from is not an
// address, a password without a user, AUTH over plain text, timeouts not positive).
absl::Status ValidateSmtpConfig(const SmtpConfig& config);

// What a delivery that the server accepted for at least one recipient left out.
struct Delivery {
  // The recipients the server refused at RCPT TO, each as "address (the server's reply)"
  // ("nobody@example.com (550 5.1.1 <nobody@example.com>: Recipient address rejected)"), in
  // envelope order. Empty when every recipient was accepted.
  std::vector<std::string> refused;
};

class MailTransport {
 public:
  virtual ~MailTransport() = default;
  // Delivers `message` (RFC 5322 bytes with CRLF line ends, as BuildMimeMessage writes) to
  // every address of `recipients` (the envelope; 1–100 bare addresses). A recipient the
  // server refuses (4xx or 5xx to RCPT TO) does not stop the others: the message goes to the
  // accepted ones and the result lists the refused (not retried: a retry would resend to
  // those who have it). When the server refuses every recipient, the delivery fails with the
  // last refusal.
  //
  // Failures, whose message says what happened and quotes the server's last reply:
  //   Unavailable: worth retrying: no connection (refused, unreachable, name not resolved),
  //     the connection broke, or the server answered 4xx (e.g. "451 4.3.0 try again later");
  //   DeadlineExceeded: a timeout of the config passed (also worth retrying);
  //   FailedPrecondition: retrying will not help until someone changes something: the
  //     server answered 5xx (e.g. "550 5.1.1 no such user", "535 5.7.8 authentication
  //     failed"), TLS or its certificate failed, STARTTLS was required and not offered;
  //   InvalidArgument: a recipient is not an address (nothing was sent);
  //   Internal: anything else libcurl reports.
  virtual absl::StatusOr<Delivery> Send(const std::vector<std::string>& recipients,
                                        std::string_view message) = 0;
};

class SmtpSender final : public MailTransport {
 public:
  // Validates `config` (see ValidateSmtpConfig) and initializes libcurl once per process.
  static absl::StatusOr<std::unique_ptr<SmtpSender>> Create(SmtpConfig config);

  absl::StatusOr<Delivery> Send(const std::vector<std::string>& recipients,
                                std::string_view message) override;

  const SmtpConfig& config() const { return config_; }

 private:
  explicit SmtpSender(SmtpConfig config) : config_(std::move(config)) {}
  const SmtpConfig config_;
};

// True for the failures Send documents as worth retrying (Unavailable, DeadlineExceeded).
bool IsTransientSendError(const absl::Status& status);

}  // namespace readside::schedule
