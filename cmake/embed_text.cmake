# cmake -DIN=<file> -DOUT=<file.cc> -DNAMESPACE=<ns> -DSYMBOL=<name> -P embed_text.cmake
# Writes OUT defining `extern const char SYMBOL[]` in NAMESPACE with IN's bytes as a raw string
# literal, so an asset (the exported Spark job) stays a readable file in the source tree.
file(READ "${IN}" content)
string(FIND "${content}" ")pinpipe_asset\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw string delimiter )pinpipe_asset\"")
endif()
file(WRITE "${OUT}.tmp"
  "// Generated from ${IN} by cmake/embed_text.cmake; do not edit.\n"
  "namespace ${NAMESPACE} {\n"
  "extern const char ${SYMBOL}[];\n"
  "const char ${SYMBOL}[] = R\"pinpipe_asset(${content})pinpipe_asset\";\n"
  "}  // namespace ${NAMESPACE}\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
