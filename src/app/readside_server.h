#pragma once
// Composition root of `readside serve`: opens the store, wires ingest, routes, metrics and the
// HTTP server. The only place that knows every component.
// Thread-safety: Start and Run from one thread; Shutdown from any.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "event/parser.h"
#include "http/server.h"

namespace readside::store { class EventStore; }
namespace readside::ingest { class IngestService; }

namespace readside::app {

struct ServeOptions {
  std::string data_dir = "./readside-data";
  std::string listen = "127.0.0.1:8080";
  std::string jwt_secret_file;  // verified from issue 4 on
  http::ServerOptions http;
  event::ParserOptions parser;
};

class ReadsideServer {
 public:
  explicit ReadsideServer(ServeOptions options);
  ~ReadsideServer();
  // Opens storage and binds the listener; prints nothing.
  absl::Status Start();
  uint16_t port() const;
  std::string address() const;  // "http://host:port"
  void Run();       // serves until shutdown (SIGTERM/SIGINT or Shutdown())
  void Shutdown();
  ingest::IngestService* ingest();
  store::EventStore* store();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "host:port" → (host, port); IPv6 as "[::1]:8080".
absl::Status ParseListen(const std::string& listen, std::string* host, uint16_t* port);

}  // namespace readside::app
