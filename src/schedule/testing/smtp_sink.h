#pragma once
// Test support: a real SMTP server on loopback (tests/tools/smtp_sink.py on Debian's
// python3-aiosmtpd) started and stopped by the test, a scratch directory, and running a
// command (openssl) to completion. For tests only (library readside_schedule_testing).
// Thread-safety: none; use from the test's thread.

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace readside::schedule::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs argv[0] (a path) with `argv`, its output discarded, and waits for it. OK when it exits 0.
absl::Status RunCommand(const std::vector<std::string>& argv);

// Writes a self-signed certificate for 127.0.0.1 and localhost (EC P-256, valid 2 days) and
// its key to `dir`/cert.pem and `dir`/key.pem, with openssl.
absl::Status MakeSelfSignedCertificate(const std::string& dir);

struct SmtpSinkOptions {
  std::string tls_cert;  // PEM files: offer STARTTLS (or implicit TLS below)
  std::string tls_key;
  bool require_starttls = false;
  bool implicit_tls = false;    // smtps: TLS from the first byte
  std::string auth;             // "user:password": AUTH required
  std::string auth_mechanisms;  // e.g. "PLAIN": only these offered
  std::string reject_rcpt;      // recipients starting with this get 550
  std::string data_reply;       // e.g. "451 4.3.0 Try again later": DATA answered with it
  bool silent = false;          // accept connections, never speak
  int port = 0;                 // 0: any free port (a restarted sink passes its old one)
};

// One tests/tools/smtp_sink.py process writing what it accepts to `out_dir`.
class SmtpSink {
 public:
  // Starts the sink and waits until it listens (it prints its port). Fails when it does not
  // within 10 s.
  static absl::StatusOr<std::unique_ptr<SmtpSink>> Start(const SmtpSinkOptions& options,
                                                         const std::string& out_dir);
  // SIGTERM, then waits for the process.
  ~SmtpSink();

  int port() const { return port_; }
  // The paths of the accepted messages' NNNN.eml files, in order of arrival.
  std::vector<std::string> MessageFiles() const;
  // The contents of a file ("" when missing).
  static std::string ReadFile(const std::string& path);

 private:
  SmtpSink(pid_t pid, int stdin_fd, int port, std::string out_dir)
      : pid_(pid), stdin_fd_(stdin_fd), port_(port), out_dir_(std::move(out_dir)) {}
  pid_t pid_;
  int stdin_fd_;
  int port_;
  std::string out_dir_;
};

// A loopback port nothing listens on (bound, then closed).
int ClosedPort();

}  // namespace readside::schedule::testing
