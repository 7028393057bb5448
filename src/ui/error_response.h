// The dashboard API's error answers: {"message": …} with the HTTP status an error maps to.
#pragma once

#include <string_view>

#include "common/json_writer.h"
#include "common/status.h"
#include "http/response.h"

namespace pinpipe::ui {

inline http::Response ErrorResponse(int status, std::string_view message) {
  JsonWriter w;
  w.BeginObject().Field("message", message).EndObject();
  return http::Response::Json(status, w.Take());
}

// 404 not found, 409 already exists (a run or backfill active), 400 invalid input, else 500.
inline int HttpStatusOf(const pinpipe::Error& e) {
  switch (e.code()) {
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kInvalidArgument: return 400;
    default: return 500;
  }
}

}  // namespace pinpipe::ui
