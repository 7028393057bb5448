# The codec tests compress with the encoders the product does not link (Brotli, LZ4).
pkg_check_modules(LAKE_TEST_BROTLIENC REQUIRED IMPORTED_TARGET libbrotlienc)
target_link_libraries(lake_test PRIVATE PkgConfig::LAKE_TEST_BROTLIENC)
