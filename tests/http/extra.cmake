# The differential test links Debian's http-parser (libhttp-parser-dev); only the test does.
find_library(HTTP_PARSER_LIB http_parser REQUIRED)
target_link_libraries(http_test PRIVATE ${HTTP_PARSER_LIB})
