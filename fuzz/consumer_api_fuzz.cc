// libFuzzer target: the REST Proxy consumer API's request bodies (create, subscription with an
// RE2 topic_pattern, partition lists, seeks, offset commits) and the name checks. The first
// byte picks the parser; any input must parse or give an ApiError, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <re2/re2.h>

#include <string>

#include "gateway/consumer_requests.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pinpipe::gateway;
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 7) {
    case 0: (void)ParseCreateRequest(body); break;
    case 1: {
      auto sub = ParseSubscription(body);
      if (sub && (*sub)->pattern) {
        // Match the pattern against topic-like names, as a rebalance does.
        (void)RE2::FullMatch(std::string(249, 'a'), *(*sub)->pattern);
        (void)RE2::FullMatch(body.substr(0, 249), *(*sub)->pattern);
      }
      break;
    }
    case 2: (void)ParsePartitionList(body); break;
    case 3: (void)ParseSeek(body); break;
    case 4: (void)ParseCommit(body); break;
    case 5: (void)CheckGroupName(body); break;
    case 6: (void)CheckInstanceName(body); break;
  }
  return 0;
}
