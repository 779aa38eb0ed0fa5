// The web app's routes (../shared/spec/web.md "Serving"; what each path answers: static_files.h):
// GET / and GET /assets/{file}, and as the router's fallback every other GET or HEAD whose path
// is outside the API's prefixes (client-side routes such as /dashboard/sales, root files such
// as /favicon.svg). They need no token: the files hold no tenant data (the Gate lets them pass
// when GateOptions::web_app is set).

#include "http/routes.h"
#include "http/static_files.h"

namespace readside::http {

void AddWebRoutes(Router* router, const Services& s) {
  static const StaticFiles kNoFiles;
  const StaticFiles* files = s.web != nullptr ? s.web : &kNoFiles;
  Handler serve = [files](Request& req, Responder respond) { respond(files->Serve(req)); };
  router->Add("GET", "/", serve);
  router->Add("GET", "/assets/{file}", serve);
  router->SetFallback(
      "/{web}", [](std::string_view path) { return !IsApiPath(path); }, serve);
}

}  // namespace readside::http
