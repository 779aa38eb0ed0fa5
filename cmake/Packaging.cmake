# The Debian package (`make package`: CPack's DEB generator in the build tree; deploy/README.md).
#
# Layout of the installed system (CPACK_PACKAGING_INSTALL_PREFIX /usr):
#   /usr/bin/readside                   the binary (install rule in src/app/CMakeLists.txt)
#   /usr/share/readside/web/            the web app, where the installed binary looks for it
#                                       (src/app/CMakeLists.txt; --web-dir's default)
#   /usr/share/doc/readside/README.md
#   /lib/systemd/system/readside.service  deploy/systemd/readside.service
#   /etc/readside/readside.toml         deploy/readside.toml, a conffile (kept on upgrade and
#                                       remove when edited, removed on purge)
# The maintainer scripts (deploy/debian/) create the system user `readside`, /var/lib/readside
# (the data directory) and /etc/readside/jwt-secret, enable and start the unit where systemd
# runs; `dpkg --purge` removes the data, the secret and the user.
#
# The package's dependencies are derived from the binary's shared libraries by
# dpkg-shlibdeps (dpkg-dev), plus the few files it reads at run time (below).
#
# The absolute destinations below (/lib, /etc) are for the package; a plain `cmake --install`
# also writes them, so install into a staging directory (DESTDIR=...) when not packaging.

set(READSIDE_DEBIAN_DIR ${PROJECT_SOURCE_DIR}/deploy/debian)

install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/readside.service
        DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/readside.toml DESTINATION /etc/readside)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/readside)

# dpkg's list of conffiles: every file the package ships under /etc.
file(WRITE ${CMAKE_BINARY_DIR}/debian/conffiles "/etc/readside/readside.toml\n")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME readside)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR readside)
set(CPACK_PACKAGE_CONTACT "readside maintainers <readside@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "read side of a multi-tenant ERP: analytics, reports, dashboards, live updates")
set(CPACK_PACKAGE_DESCRIPTION
    "readside validates the ERP's events, stores them durably in an embedded event log and\n\
projects them into per-tenant read models served as analytics, financial reports (JSON,\n\
PDF, XLSX, CSV, e-mailed on schedules), dashboards, search and live updates over\n\
WebSocket. Runs as the systemd service readside.service.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/package)
# The binary is built with debug information (RelWithDebInfo); the package ships it stripped.
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # readside_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser for the maintainer scripts; tzdata for tenants' time zones (absl::LoadTimeZone reads
# /usr/share/zoneinfo); fonts for the PDF reports (Latin, Greek; CJK recommended).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, tzdata, fonts-dejavu-core")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "fonts-wqy-microhei")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_BINARY_DIR}/debian/conffiles
    ${READSIDE_DEBIAN_DIR}/postinst
    ${READSIDE_DEBIAN_DIR}/prerm
    ${READSIDE_DEBIAN_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# gzip: every dpkg reads it, and it is several times faster to build than xz.
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)

include(CPack)
