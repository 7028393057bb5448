# Installation (`make install PREFIX=... DESTDIR=...`) and the Debian package (`make deb`,
# CPack). The completions and the man page are generated at build time by the binary itself
# (`pinpipe completion bash|zsh`, `pinpipe man`), so they always match its commands.
include(GNUInstallDirs)

set(_gen ${PROJECT_BINARY_DIR}/generated)
add_custom_command(
  OUTPUT ${_gen}/pinpipe.bash ${_gen}/_pinpipe ${_gen}/pinpipe.1.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${_gen}
  COMMAND $<TARGET_FILE:pinpipe> completion bash > ${_gen}/pinpipe.bash
  COMMAND $<TARGET_FILE:pinpipe> completion zsh > ${_gen}/_pinpipe
  COMMAND $<TARGET_FILE:pinpipe> man > ${_gen}/pinpipe.1
  COMMAND gzip -9nf ${_gen}/pinpipe.1
  DEPENDS pinpipe
  COMMENT "Generating the completions and the man page"
  VERBATIM)
add_custom_target(pinpipe_docs ALL DEPENDS ${_gen}/pinpipe.bash ${_gen}/_pinpipe ${_gen}/pinpipe.1.gz)

install(TARGETS pinpipe RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${_gen}/pinpipe.bash RENAME pinpipe
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${_gen}/_pinpipe DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${_gen}/pinpipe.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE RENAME copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/packaging/pinpipe.sysusers RENAME pinpipe.conf
        DESTINATION lib/sysusers.d)
# The unit names the binary by its installed path, whatever the prefix at install time.
install(CODE "
  file(READ \"${PROJECT_SOURCE_DIR}/packaging/pinpipe.service\" unit)
  string(REPLACE \"/usr/bin/pinpipe\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/pinpipe\" unit \"\${unit}\")
  set(dest \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\")
  message(STATUS \"Installing: \${dest}/pinpipe.service\")
  file(MAKE_DIRECTORY \"\${dest}\")
  file(WRITE \"\${dest}/pinpipe.service\" \"\${unit}\")
")

# make deb: a Debian 12 package of the binary, completions, man page and service. The
# dependencies are computed from the binary's shared libraries (dpkg-shlibdeps).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pinpipe)
set(CPACK_PACKAGE_VENDOR pinpipe)
set(CPACK_PACKAGE_CONTACT "pinpipe maintainers <pinpipe@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Pinterest data pipeline in one binary: Kafka REST Proxy, durable log, S3 sink, Delta lake")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/postinst ${PROJECT_SOURCE_DIR}/packaging/prerm
    ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Only the runtime: the static subsystem libraries and tests have no install rules.
set(CPACK_STRIP_FILES ON)
include(CPack)
