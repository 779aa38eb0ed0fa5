#include "trace/otlp_http.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace readside::trace {
namespace {

absl::Status InitCurlOnce() {
  // curl_global_init is not thread-safe; once, before the first handle, is enough.
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) {
    return absl::InternalError(absl::StrCat("otlp: libcurl: ", curl_easy_strerror(init)));
  }
  return absl::OkStatus();
}

absl::Status CheckUrl(const std::string& url) {
  CURLU* u = curl_url();
  if (u == nullptr) return absl::ResourceExhaustedError("otlp: out of memory");
  char* scheme = nullptr;
  char* host = nullptr;
  bool ok = curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
            (std::string_view(scheme) == "http" || std::string_view(scheme) == "https") &&
            host[0] != '\0';
  curl_free(scheme);
  curl_free(host);
  curl_url_cleanup(u);
  // libcurl reads "http:///v1/traces" as host "v1"; a URL without a host is a mistake.
  size_t authority = url.find("://");
  ok = ok && authority != std::string::npos && authority + 3 < url.size() &&
       url[authority + 3] != '/';
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "otlp endpoint: \"", url, "\" is not an http:// or https:// URL with a host, e.g. ",
        "http://collector:4318/v1/traces"));
  }
  return absl::OkStatus();
}

size_t DiscardBody(char*, size_t size, size_t count, void*) { return size * count; }

// Picks Retry-After's delta-seconds out of the response headers.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  absl::string_view line(data, size * count);
  constexpr absl::string_view kName = "retry-after:";
  if (line.size() > kName.size() && absl::StartsWithIgnoreCase(line, kName)) {
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(kName.size()));
    int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc() && end == value.data() + value.size() && seconds >= 0) {
      *static_cast<int64_t*>(user) = std::min<int64_t>(seconds, 3600) * 1000;
    }
  }
  return size * count;
}

}  // namespace

struct OtlpHttpClient::Handles {
  CURL* curl = nullptr;
  curl_slist* headers = nullptr;
  ~Handles() {
    if (curl != nullptr) curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
  }
};

absl::StatusOr<std::unique_ptr<OtlpHttpClient>> OtlpHttpClient::Create(
    std::string url, const std::vector<std::string>& headers) {
  if (absl::Status s = InitCurlOnce(); !s.ok()) return s;
  if (absl::Status s = CheckUrl(url); !s.ok()) return s;
  std::unique_ptr<OtlpHttpClient> client(new OtlpHttpClient());
  client->url_ = std::move(url);
  client->handles_ = std::make_unique<Handles>();
  Handles& h = *client->handles_;
  h.headers = curl_slist_append(nullptr, "Content-Type: application/json");
  for (const std::string& header : headers) {
    size_t colon = header.find(':');
    if (colon == std::string::npos || colon == 0 ||
        header.find_first_of("\r\n") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("otlp header: \"", header, "\" is not \"Name: value\""));
    }
    h.headers = curl_slist_append(h.headers, header.c_str());
  }
  h.headers = curl_slist_append(h.headers, "Expect:");  // no 100-continue round trip
  h.curl = curl_easy_init();
  if (h.curl == nullptr || h.headers == nullptr) {
    return absl::ResourceExhaustedError("otlp: libcurl: out of memory");
  }
  return client;
}

OtlpHttpClient::~OtlpHttpClient() = default;

namespace {
// libcurl's progress callback: non-zero abandons the transfer.
int AbortAtDeadline(void* clientp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* abort_at = static_cast<const std::atomic<int64_t>*>(clientp);
  int64_t at = abort_at->load(std::memory_order_relaxed);
  return at != 0 && absl::GetCurrentTimeNanos() >= at ? 1 : 0;
}
}  // namespace

absl::StatusOr<PostAnswer> OtlpHttpClient::Post(std::string_view body, int64_t timeout_ms,
                                                const std::atomic<int64_t>* abort_at) {
  CURL* c = handles_->curl;
  PostAnswer answer;
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for timeouts: other threads run
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, handles_->headers);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(timeout_ms, 1)));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, DiscardBody);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &answer.retry_after_ms);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, abort_at != nullptr ? 0L : 1L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, abort_at != nullptr ? AbortAtDeadline : nullptr);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<int64_t>*>(abort_at));
  CURLcode result = curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  if (result != CURLE_OK) {
    std::string message =
        absl::StrCat("otlp: ", error[0] != '\0' ? error : curl_easy_strerror(result));
    switch (result) {
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
        return absl::FailedPreconditionError(message);
      default:
        return absl::UnavailableError(message);
    }
  }
  long status = 0;  // NOLINT(google-runtime-int): libcurl's type
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  answer.status = static_cast<int>(status);
  return answer;
}

bool IsRetryableStatus(int status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

}  // namespace readside::trace
