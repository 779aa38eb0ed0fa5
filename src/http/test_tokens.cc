#include "http/test_tokens.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>

#include "auth/jwt.h"
#include "gtest/gtest.h"

namespace readside::http::testing {
namespace {

void Require(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "test_tokens: %s\n", what.c_str());
  std::abort();
}

}  // namespace

TestTokens::TestTokens() {
  std::string secret_file = dir_.Write("secret", std::string(auth::testkit::kSecret) + "\n");
  auto authenticator = auth::Authenticator::Create({.secret_file = secret_file}, {});
  Require(authenticator.ok(), authenticator.status().ToString());
  authenticator_ = std::move(*authenticator);
}

std::string TestTokens::Token(const TokenSpec& spec) const {
  absl::StatusOr<std::string> token = auth::SignHs256({.subject = spec.subject,
                                                       .organizations = spec.orgs,
                                                       .roles = spec.roles,
                                                       .issued_at = kNow - 10,
                                                       .expires_at = spec.expires_at},
                                                      auth::testkit::kSecret);
  Require(token.ok(), token.status().ToString());
  return *token;
}

std::string TestTokens::Bearer(const TokenSpec& spec) const { return "Bearer " + Token(spec); }

std::shared_ptr<const auth::Principal> TestTokens::Principal(const TokenSpec& spec) const {
  auto principal = authenticator_->Authenticate(Bearer(spec), kNow);
  Require(principal.ok(), principal.status().ToString());
  return *principal;
}

Request RequestFor(std::string method, const std::string& path_and_query) {
  Request req{.method = std::move(method),
              .path = path_and_query.substr(0, path_and_query.find('?'))};
  if (size_t q = path_and_query.find('?'); q != std::string::npos) {
    for (std::string_view rest = std::string_view(path_and_query).substr(q + 1); !rest.empty();) {
      std::string_view pair = rest.substr(0, rest.find('&'));
      rest.remove_prefix(std::min(rest.size(), pair.size() + 1));
      req.query[std::string(pair.substr(0, pair.find('=')))] =
          std::string(pair.substr(pair.find('=') + 1));
    }
  }
  return req;
}

Response AnswerOf(const std::function<void(Request&, Responder)>& handler, Request req) {
  auto answered = std::make_shared<std::promise<Response>>();
  std::future<Response> answer = answered->get_future();
  handler(req, [answered](Response r) { answered->set_value(std::move(r)); });
  if (answer.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    ADD_FAILURE() << req.method << " " << req.path << ": no answer within 20 s";
    return Response{.status = 0};
  }
  return answer.get();
}

}  // namespace readside::http::testing
