# The remote Kinesis source test runs a scripted Kinesis endpoint on the HTTP server.
target_link_libraries(stream_test PRIVATE pinpipe_http)
