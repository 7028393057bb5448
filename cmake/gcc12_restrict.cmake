# GCC 12 at -O3 (CMAKE_BUILD_TYPE=Release) reports -Wrestrict false positives inside
# std::string's inlined _M_replace for the idiom "literal" + std::string(...) (GCC bug 105329,
# fixed in GCC 13): "__builtin_memcpy accessing 9223372036854775810 or more bytes ... may
# overlap". Debian 12's compiler is GCC 12, so a user's Release build with -Werror failed.
# The warning is silenced only in the files where GCC 12 reports it; it stays on everywhere
# else and with every other compiler. A plain cmake build does not use -Werror, so a new
# occurrence there is a warning, not a broken build.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
   AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  set(_gcc105329
    emulator:db_url.cc emulator:source_db_mysql.cc emulator:source_db_sqlite.cc
    emulator:source_schema.cc
    report:html_report.cc report:terminal_table.cc)
  foreach(item ${_gcc105329})
    string(REPLACE ":" ";" parts ${item})
    list(GET parts 0 sub)
    list(GET parts 1 file)
    if(TARGET pinpipe_${sub} AND EXISTS ${PROJECT_SOURCE_DIR}/src/${sub}/${file})
      set_property(SOURCE ${PROJECT_SOURCE_DIR}/src/${sub}/${file}
                   TARGET_DIRECTORY pinpipe_${sub} APPEND PROPERTY COMPILE_OPTIONS -Wno-restrict)
    endif()
  endforeach()
endif()
