// A blocking keep-alive HTTP/1.1 connection for the load tools (freshness_load, live_load):
// the style of ingest::HttpClient, but it also returns the X-Readside-Position header and
// sends $READSIDE_TOKEN as the bearer token when it is set. A request on a kept-alive
// connection that the server closed meanwhile is retried once on a fresh connection.
//
// Thread-safety: one HttpConnection per thread.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

namespace readside::bench {

class HttpConnection {
 public:
  HttpConnection(std::string host, std::string port, std::string user_agent)
      : host_(std::move(host)), port_(std::move(port)), user_agent_(std::move(user_agent)) {}

  struct Result {
    int status = 0;
    std::string body;
    std::string position;  // X-Readside-Position
  };

  // Sends one request (an NDJSON body when body is not null) and reads the answer. On a
  // network error returns nullopt and sets *error.
  std::optional<Result> Request(boost::beast::http::verb verb, const std::string& target,
                                const std::string* body, std::string* error) {
    namespace bhttp = boost::beast::http;
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool fresh = !stream_;
      if (fresh && !Connect(error)) return std::nullopt;
      bhttp::request<bhttp::string_body> req{verb, target, 11};
      req.set(bhttp::field::host, host_);
      req.set(bhttp::field::user_agent, user_agent_);
      if (const char* token = std::getenv("READSIDE_TOKEN")) {
        req.set(bhttp::field::authorization, std::string("Bearer ") + token);
      }
      if (body != nullptr) {
        req.set(bhttp::field::content_type, "application/x-ndjson");
        req.body() = *body;
      }
      req.prepare_payload();
      boost::beast::error_code ec;
      stream_->expires_after(std::chrono::seconds(30));
      bhttp::write(*stream_, req, ec);
      boost::beast::flat_buffer buffer;
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(64 << 20);
      if (!ec) bhttp::read(*stream_, buffer, parser, ec);
      if (ec) {
        stream_.reset();
        if (!fresh) continue;
        *error = target + ": " + ec.message();
        return std::nullopt;
      }
      auto& res = parser.get();
      Result out;
      out.status = static_cast<int>(res.result_int());
      out.body = std::move(res.body());
      out.position = std::string(res["X-Readside-Position"]);
      if (!res.keep_alive()) stream_.reset();
      return out;
    }
    *error = "connection lost";
    return std::nullopt;
  }

 private:
  bool Connect(std::string* error) {
    boost::beast::error_code ec;
    boost::asio::ip::tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(host_, port_, ec);
    if (!ec) {
      stream_ = std::make_unique<boost::beast::tcp_stream>(ioc_);
      stream_->expires_after(std::chrono::seconds(10));
      stream_->connect(results, ec);
    }
    if (ec) {
      stream_.reset();
      *error = "cannot connect to " + host_ + ":" + port_ + ": " + ec.message();
      return false;
    }
    stream_->socket().set_option(boost::asio::ip::tcp::no_delay(true), ec);
    return true;
  }

  std::string host_, port_, user_agent_;
  boost::asio::io_context ioc_;
  std::unique_ptr<boost::beast::tcp_stream> stream_;
};

}  // namespace readside::bench
