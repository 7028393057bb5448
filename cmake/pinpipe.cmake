# pinpipe_library(<name> [DEPS targets...])
# Builds src/<name>/*.cc (except *_test.cc, *_bench.cc, *_fuzz.cc) into the static
# library pinpipe_<name>. Headers are included as "<name>/<file>.h".
function(pinpipe_library name)
  cmake_parse_arguments(A "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  list(FILTER srcs EXCLUDE REGEX "_(test|bench|fuzz)\\.cc$")
  add_library(pinpipe_${name} STATIC ${srcs})
  target_include_directories(pinpipe_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(pinpipe_${name} PUBLIC ${A_DEPS})
endfunction()
