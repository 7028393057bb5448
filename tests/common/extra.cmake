# json_validator_test compares the validator with simdjson's DOM parser (the sink's reader).
find_package(simdjson REQUIRED)
target_link_libraries(common_test PRIVATE simdjson::simdjson)
