#include "schedule/smtp.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "schedule/mime.h"

namespace readside::schedule {
namespace {

absl::string_view A(std::string_view s) { return {s.data(), s.size()}; }

absl::Status ConfigError(std::string_view field, std::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat("smtp: ", A(field), ": ", A(rule)));
}

struct CurlUrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// A part of a parsed URL ("" when absent).
std::string UrlPart(CURLU* url, CURLUPart part) {
  char* text = nullptr;
  if (curl_url_get(url, part, &text, 0) != CURLUE_OK || text == nullptr) return "";
  std::string out(text);
  curl_free(text);
  return out;
}

// What one Send needs while libcurl runs: the message left to upload and the server's replies.
struct Transfer {
  std::string_view remaining;
  std::string partial_line;  // a reply line not yet ended by LF
  std::string reply;         // the lines of the reply being read (multi-line: "250-…")
  // The last complete 4xx or 5xx reply, lines joined by " / " (QUIT's 221 comes after it).
  std::string error_reply;
  // The address of the RCPT TO command awaiting its reply ("" when the last command was
  // another), and the recipients refused so far.
  std::string rcpt;
  std::vector<std::string> refused;
};

size_t ReadMessage(char* buffer, size_t size, size_t count, void* user) {
  Transfer* t = static_cast<Transfer*>(user);
  size_t n = std::min(size * count, t->remaining.size());
  std::copy_n(t->remaining.data(), n, buffer);
  t->remaining.remove_prefix(n);
  return n;
}

void AddReplyLine(Transfer* t, std::string line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  for (char& c : line) {
    if (c < 0x20 || c == 0x7F) c = ' ';  // the server's text goes into logs and history
  }
  if (!t->reply.empty()) t->reply.append(" / ");
  t->reply.append(line.substr(0, 300));
  // "250-…" continues a multi-line reply; "250 …" (or anything else) ends it.
  if (line.size() < 4 || line[3] != '-') {
    bool failed = t->reply[0] == '4' || t->reply[0] == '5';
    if (failed) t->error_reply = t->reply;
    if (failed && !t->rcpt.empty()) t->refused.push_back(t->rcpt + " (" + t->reply + ")");
    t->rcpt.clear();
    t->reply.clear();
  }
}

// A command libcurl sent: only RCPT TO's address is kept (to name a refused recipient); the
// rest (AUTH among them) is not looked at beyond its first bytes.
void AddCommand(Transfer* t, std::string_view data) {
  constexpr std::string_view kRcpt = "RCPT TO:<";
  if (!data.starts_with(kRcpt)) {
    t->rcpt.clear();
    return;
  }
  data.remove_prefix(kRcpt.size());
  t->rcpt = std::string(data.substr(0, data.find('>')));
}

// libcurl's protocol trace: CURLINFO_HEADER_IN is what the server said; of the commands sent
// (CURLINFO_HEADER_OUT, which holds the AUTH credentials) only RCPT TO is read.
int OnDebug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  Transfer* t = static_cast<Transfer*>(user);
  if (type == CURLINFO_HEADER_OUT) AddCommand(t, std::string_view(data, size));
  if (type != CURLINFO_HEADER_IN) return 0;
  t->partial_line.append(data, size);
  size_t lf;
  while ((lf = t->partial_line.find('\n')) != std::string::npos) {
    AddReplyLine(t, t->partial_line.substr(0, lf));
    t->partial_line.erase(0, lf + 1);
  }
  return 0;
}

absl::StatusCode CodeFor(CURLcode result, long reply_code) {
  switch (result) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::StatusCode::kDeadlineExceeded;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_WEIRD_SERVER_REPLY:
      if (reply_code < 500) return absl::StatusCode::kUnavailable;
      return absl::StatusCode::kFailedPrecondition;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_LOGIN_DENIED:
      return absl::StatusCode::kFailedPrecondition;
    default:
      break;
  }
  if (reply_code >= 400 && reply_code < 500) return absl::StatusCode::kUnavailable;
  if (reply_code >= 500) return absl::StatusCode::kFailedPrecondition;
  return absl::StatusCode::kInternal;
}

absl::Status SendError(CURLcode result, const char* error_buffer, long reply_code,
                       const Transfer& t) {
  std::string message =
      absl::StrCat("smtp: ", error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(result));
  if (!t.error_reply.empty()) {
    absl::StrAppend(&message, "; server said \"", t.error_reply, "\"");
    // The failing reply's code, not a later one (libcurl's may be QUIT's).
    reply_code = (t.error_reply[0] - '0') * 100;
  }
  return absl::Status(CodeFor(result, reply_code), message);
}

}  // namespace

absl::Status ValidateSmtpConfig(const SmtpConfig& c) {
  std::unique_ptr<CURLU, CurlUrlDeleter> url(curl_url());
  if (url == nullptr) return absl::ResourceExhaustedError("smtp: out of memory");
  if (curl_url_set(url.get(), CURLUPART_URL, c.url.c_str(), 0) != CURLUE_OK) {
    return ConfigError("url", absl::StrCat("\"", absl::CHexEscape(c.url),
                                           "\" is not a URL (expected smtp://HOST:PORT or "
                                           "smtps://HOST:PORT)"));
  }
  std::string scheme = UrlPart(url.get(), CURLUPART_SCHEME);
  if (scheme != "smtp" && scheme != "smtps") {
    return ConfigError("url", "the scheme must be smtp or smtps");
  }
  if (UrlPart(url.get(), CURLUPART_HOST).empty()) return ConfigError("url", "has no host");
  if (!UrlPart(url.get(), CURLUPART_USER).empty()) {
    return ConfigError("url", "must not hold a user or password (set user and password)");
  }
  if (absl::Status s = ValidateEmailAddress("smtp: from", c.from); !s.ok()) return s;
  if (c.user.empty() && !c.password.empty()) return ConfigError("password", "set without a user");
  if (!c.user.empty() && scheme == "smtp" && !c.starttls) {
    return ConfigError("user",
                       "AUTH would send the password in plain text; use smtps:// or "
                       "require STARTTLS");
  }
  if (c.connect_timeout_ms <= 0 || c.timeout_ms <= 0) {
    return ConfigError("timeouts", "must be positive");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SmtpSender>> SmtpSender::Create(SmtpConfig config) {
  if (absl::Status s = ValidateSmtpConfig(config); !s.ok()) return s;
  // curl_global_init is not thread-safe; once, before the first handle, is enough.
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) {
    return absl::InternalError(absl::StrCat("smtp: libcurl: ", curl_easy_strerror(init)));
  }
  return std::unique_ptr<SmtpSender>(new SmtpSender(std::move(config)));
}

absl::StatusOr<Delivery> SmtpSender::Send(const std::vector<std::string>& recipients,
                                          std::string_view message) {
  if (recipients.empty() || recipients.size() > 100) {
    return absl::InvalidArgumentError("smtp: recipients: must hold 1 to 100 addresses");
  }
  std::unique_ptr<curl_slist, SlistDeleter> rcpt;
  for (size_t i = 0; i < recipients.size(); ++i) {
    absl::Status s = ValidateEmailAddress(absl::StrCat("smtp: recipients[", i, "]"), recipients[i]);
    if (!s.ok()) return s;
    // Appending returns the list's head: the new list the first time, rcpt after that.
    curl_slist* head = curl_slist_append(rcpt.get(), ("<" + recipients[i] + ">").c_str());
    if (head == nullptr) return absl::ResourceExhaustedError("smtp: out of memory");
    if (rcpt == nullptr) rcpt.reset(head);
  }
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (curl == nullptr) return absl::ResourceExhaustedError("smtp: out of memory");
  CURL* h = curl.get();
  Transfer transfer{.remaining = message};
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::string mail_from = "<" + config_.from + ">";
  curl_easy_setopt(h, CURLOPT_URL, config_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  // Go on with the accepted recipients when some are refused (the refused are in the trace).
  // libcurl before 8.2 spells the option with three Ls.
#if LIBCURL_VERSION_NUM >= 0x080200
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT_ALLOWFAILS, 1L);
#else
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
#endif
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, ReadMessage);
  curl_easy_setopt(h, CURLOPT_READDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout_ms));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout_ms));
  curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);  // the trace feeds OnDebug, nothing is printed
  curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, OnDebug);
  curl_easy_setopt(h, CURLOPT_DEBUGDATA, &transfer);
  if (config_.starttls) curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!config_.user.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, config_.user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, config_.password.c_str());
  }
  if (!config_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, config_.ca_file.c_str());
  if (config_.insecure_skip_verify) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  CURLcode result = curl_easy_perform(h);
  if (result == CURLE_OK) return Delivery{.refused = std::move(transfer.refused)};
  long reply_code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply_code);
  return SendError(result, error_buffer, reply_code, transfer);
}

bool IsTransientSendError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

}  // namespace readside::schedule
