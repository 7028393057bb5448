#include "gateway/rest_errors.h"

#include <string>

#include "common/json_writer.h"

namespace pinpipe::gateway {

int HttpStatusForCode(int error_code) {
  return error_code >= 1000 ? error_code / 100 : error_code;
}

http::Response InstanceNotFound() {
  return RestError(rest_code::kConsumerInstanceNotFound, "Consumer instance not found.");
}

http::Response RecordNotJsonError(std::string_view topic, int32_t partition, int64_t offset) {
  return RestError(rest_code::kSerialization,
                   "Error deserializing key/value for partition " + std::string(topic) + "-" +
                       std::to_string(partition) + " at offset " + std::to_string(offset) +
                       ": the record is not JSON; it is skipped (read it with a binary consumer)");
}

http::Response RestError(int error_code, std::string_view message) {
  std::string body = "{\"error_code\":";
  AppendJsonInt(body, error_code);
  body += ",\"message\":";
  AppendJsonString(body, message);
  body += '}';
  return RestJson(HttpStatusForCode(error_code), std::move(body));
}

http::Response RestJson(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = std::string(kV2Json);
  r.body = std::move(body);
  return r;
}

}  // namespace pinpipe::gateway
