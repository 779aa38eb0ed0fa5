#include "http/docs_page.h"

#include <gtest/gtest.h>

#include "http/openapi.h"

namespace readside::http {
namespace {

TEST(DocsPageTest, RendersTheMarkdownOfDescriptionsAsHtml) {
  std::string page = RenderDocsPage(R"({"openapi": "3.1.0",
    "info": {"title": "t", "version": "1",
             "description": "Intro `code` and **bold**.\n\n## Roles\n| a | b |\n|---|---|\n| x | y |\n\n- one\n- two <script>"},
    "paths": {"/p/{org}": {"get": {"summary": "s", "security": [],
      "parameters": [{"name": "org", "in": "path", "required": true, "description": "the `org`"}],
      "responses": {"200": {"description": "fine"}}}}}})");
  EXPECT_NE(page.find("<p>Intro <code>code</code> and <strong>bold</strong>.</p>"),
            std::string::npos);
  EXPECT_NE(page.find("<h3>Roles</h3>"), std::string::npos);
  EXPECT_NE(page.find("<table><tr><th> a </th><th> b </th></tr><tr><td> x </td><td> y </td></tr>"
                      "</table>"),
            std::string::npos);
  EXPECT_NE(page.find("<ul><li>one</li><li>two &lt;script&gt;</li></ul>"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_NE(page.find("<span class=\"method get\">GET</span> <code>/p/{org}</code>"),
            std::string::npos);
  EXPECT_NE(page.find("public: no token needed"), std::string::npos);
  EXPECT_NE(page.find("<td>the <code>org</code></td>"), std::string::npos);
}

TEST(DocsPageTest, EveryOperationOfTheServedDocumentIsOnThePage) {
  std::string page = RenderDocsPage(OpenApiDocument());
  for (std::string_view op : {"POST</span> <code>/events</code>",
                              "GET</span> <code>/analytics/dashboard/{org}</code>",
                              "PUT</span> <code>/admin/tenants/{org}</code>",
                              "GET</span> <code>/docs</code>"}) {
    EXPECT_NE(page.find(op), std::string::npos) << op;
  }
}

TEST(DocsPageTest, ADocumentThatDoesNotParsePointsToTheJson) {
  std::string page = RenderDocsPage("{not json");
  EXPECT_NE(page.find("/openapi.json"), std::string::npos);
}

}  // namespace
}  // namespace readside::http
