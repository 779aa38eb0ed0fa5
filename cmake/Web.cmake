# The web app (web/: React, built by Vite; docs/web.md "Build"). The `web` target builds it into
# ${CMAKE_BINARY_DIR}/web, beside build/readside, which serves it from there (--web-dir's
# default); `readside` depends on it, so `make build` builds both. The build reruns only when a
# source, the lockfile or the Vite configuration changed; `npm ci` runs only when
# package-lock.json changed since node_modules was installed (scripts/npm-ci-if-changed, the
# same check scripts/install-deps makes).
# Skipped with a message when -DREADSIDE_WEB=OFF, when web/package.json does not exist, or
# without node and npm: the server then answers its web paths with a page saying how to build
# the app, and the API works as ever.

option(READSIDE_WEB "Build the web app (web/; needs node and npm)" ON)
set(READSIDE_WEB_SOURCE_DIR ${PROJECT_SOURCE_DIR}/web CACHE PATH
    "The web app's sources (package.json, package-lock.json, vite.config.*, src/)")
set(READSIDE_WEB_OUTPUT_DIR ${CMAKE_BINARY_DIR}/web)

function(readside_add_web_app)
  set(src ${READSIDE_WEB_SOURCE_DIR})
  if(NOT READSIDE_WEB)
    message(STATUS "web app not built: READSIDE_WEB is OFF")
    return()
  endif()
  if(NOT EXISTS ${src}/package.json)
    message(STATUS "web app not built: ${src}/package.json does not exist")
    return()
  endif()
  find_program(READSIDE_WEB_NODE NAMES node nodejs)
  find_program(READSIDE_WEB_NPM npm)
  if(NOT READSIDE_WEB_NODE OR NOT READSIDE_WEB_NPM)
    message(WARNING "web app not built: node/npm not found (install Node.js 20 and npm, e.g. "
                    "scripts/install-deps, then re-run cmake). The server answers / with a page "
                    "saying so.")
    return()
  endif()
  execute_process(COMMAND ${READSIDE_WEB_NODE} --version OUTPUT_VARIABLE node_version
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  string(REGEX REPLACE "^v" "" node_semver "${node_version}")
  if(node_semver VERSION_LESS 20.19)
    message(WARNING "web app not built: node ${node_version} is older than 20.19, which Vite 8 "
                    "needs (Debian 12's own nodejs is 18; install Node.js 20 LTS). The server "
                    "answers / with a page saying how to build the app.")
    return()
  endif()
  message(STATUS "web app: built by the `web` target with node ${node_version}")
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${src}/src/* ${src}/public/*)
  file(GLOB top CONFIGURE_DEPENDS ${src}/index.html ${src}/package.json ${src}/package-lock.json
       ${src}/vite.config.* ${src}/tsconfig*.json)
  add_custom_command(
    OUTPUT ${READSIDE_WEB_OUTPUT_DIR}/index.html
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/npm-ci-if-changed ${src}
    COMMAND ${src}/node_modules/.bin/vite build --outDir ${READSIDE_WEB_OUTPUT_DIR} --emptyOutDir
    WORKING_DIRECTORY ${src}
    DEPENDS ${sources} ${top} ${PROJECT_SOURCE_DIR}/scripts/npm-ci-if-changed
    COMMENT "Building the web app into ${READSIDE_WEB_OUTPUT_DIR} (vite build)"
    USES_TERMINAL
    VERBATIM)
  add_custom_target(web DEPENDS ${READSIDE_WEB_OUTPUT_DIR}/index.html)
endfunction()

readside_add_web_app()

# The web app's tests, in `make test` beside the rest (docs/web.md "Tests"): the type check,
# Vitest (components and formatting), and the end-to-end suite in real headless Chromium
# against build/readside serving build/web (web/e2e/global-setup.ts starts and seeds it).
# Skipped with the app itself; the end-to-end suite also needs Debian's chromium.
# A suite that cannot run here (no node for the app, no chromium) is still registered: it skips,
# and under `make test` (READSIDE_REQUIRE_DEPS=1) it fails, as the other tests whose outside
# program is missing do (tests/integration/deps.py).
function(readside_add_missing_test name why)
  add_test(NAME ${name} COMMAND sh -c
    "echo '${name}: ${why} (scripts/install-deps)'; if [ -n \"$READSIDE_REQUIRE_DEPS\" ]; then exit 1; fi; exit 77")
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77)
endfunction()

function(readside_add_web_tests)
  if(NOT READSIDE_WEB)  # turned off on purpose (the sanitizer tree of `make check`): no suite
    return()
  endif()
  if(NOT TARGET web)
    readside_add_missing_test(web.unit "the web app was not built: node 20.19 or newer not found")
    return()
  endif()
  set(src ${READSIDE_WEB_SOURCE_DIR})
  add_test(NAME web.typecheck COMMAND ${src}/node_modules/.bin/tsc --noEmit -p tsconfig.json
           WORKING_DIRECTORY ${src})
  add_test(NAME web.unit COMMAND ${src}/node_modules/.bin/vitest run --reporter=dot
           WORKING_DIRECTORY ${src})
  find_program(READSIDE_CHROMIUM NAMES chromium chromium-browser)
  if(NOT READSIDE_CHROMIUM)
    message(WARNING "web end-to-end tests cannot run: chromium not found (scripts/install-deps)")
    readside_add_missing_test(web.e2e "chromium not found")
    return()
  endif()
  add_test(NAME web.e2e COMMAND ${src}/node_modules/.bin/playwright test
           WORKING_DIRECTORY ${src})
  set_tests_properties(web.e2e PROPERTIES
    ENVIRONMENT "READSIDE_BIN=${CMAKE_BINARY_DIR}/readside;READSIDE_WEB_DIR=${READSIDE_WEB_OUTPUT_DIR};CHROMIUM=${READSIDE_CHROMIUM};E2E_OUTPUT_DIR=${CMAKE_BINARY_DIR}/web-e2e-results"
    TIMEOUT 900 RUN_SERIAL TRUE)
endfunction()
readside_add_web_tests()
