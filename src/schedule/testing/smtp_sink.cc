#include "schedule/testing/smtp_sink.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace readside::schedule::testing {
namespace {

#ifndef READSIDE_SMTP_SINK_PY
#error "READSIDE_SMTP_SINK_PY must name tests/tools/smtp_sink.py"
#endif

// Spawns argv with the given fds as the child's stdin/stdout (-1: /dev/null); stderr is the
// test's unless `quiet`.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, int in_fd, int out_fd,
                            bool quiet = false) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (in_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  if (out_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  }
  if (quiet) posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int err = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) return absl::InternalError(absl::StrCat("spawn ", argv[0], ": ", strerror(err)));
  return pid;
}

}  // namespace

ScratchDir::ScratchDir() {
  const char* base = getenv("TMPDIR");
  std::string pattern = absl::StrCat(base != nullptr ? base : "/tmp", "/readside-test-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) abort();
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

absl::Status RunCommand(const std::vector<std::string>& argv) {
  absl::StatusOr<pid_t> pid = Spawn(argv, -1, -1, /*quiet=*/true);
  if (!pid.ok()) return pid.status();
  int status = 0;
  waitpid(*pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(argv[0], " failed (status ", status, ")"));
}

absl::Status MakeSelfSignedCertificate(const std::string& dir) {
  return RunCommand({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir + "/key.pem", "-out",
                     dir + "/cert.pem", "-days", "2", "-subj", "/CN=localhost", "-addext",
                     "subjectAltName=IP:127.0.0.1,DNS:localhost"});
}

absl::StatusOr<std::unique_ptr<SmtpSink>> SmtpSink::Start(const SmtpSinkOptions& o,
                                                          const std::string& out_dir) {
  std::vector<std::string> argv = {"/usr/bin/python3", READSIDE_SMTP_SINK_PY, "--out-dir", out_dir};
  auto add = [&](const char* flag, const std::string& value) {
    if (!value.empty()) argv.insert(argv.end(), {flag, value});
  };
  add("--tls-cert", o.tls_cert);
  add("--tls-key", o.tls_key);
  add("--auth", o.auth);
  add("--auth-mechanisms", o.auth_mechanisms);
  add("--reject-rcpt", o.reject_rcpt);
  add("--data-reply", o.data_reply);
  if (o.require_starttls) argv.push_back("--require-starttls");
  if (o.implicit_tls) argv.push_back("--implicit-tls");
  if (o.silent) argv.push_back("--silent");
  if (o.port != 0) add("--port", std::to_string(o.port));

  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
    return absl::InternalError("pipe failed");
  }
  absl::StatusOr<pid_t> pid = Spawn(argv, in[0], out[1]);
  close(in[0]);
  close(out[1]);
  if (!pid.ok()) {
    close(in[1]);
    close(out[0]);
    return pid.status();
  }
  // The sink prints "PORT <n>\n" once it listens; wait for that line, at most 10 s.
  std::string line;
  pollfd p{.fd = out[0], .events = POLLIN};
  char c;
  while (line.find('\n') == std::string::npos && poll(&p, 1, 10'000) == 1 &&
         read(out[0], &c, 1) == 1) {
    line.push_back(c);
  }
  close(out[0]);
  int port = 0;
  if (sscanf(line.c_str(), "PORT %d", &port) != 1 || port <= 0) {
    kill(*pid, SIGKILL);
    waitpid(*pid, nullptr, 0);
    close(in[1]);
    return absl::InternalError(absl::StrCat("smtp sink did not start: \"", line, "\""));
  }
  return std::unique_ptr<SmtpSink>(new SmtpSink(*pid, in[1], port, out_dir));
}

SmtpSink::~SmtpSink() {
  kill(pid_, SIGTERM);
  close(stdin_fd_);
  waitpid(pid_, nullptr, 0);
}

std::vector<std::string> SmtpSink::MessageFiles() const {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(out_dir_)) {
    if (entry.path().extension() == ".eml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string SmtpSink::ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace readside::schedule::testing
