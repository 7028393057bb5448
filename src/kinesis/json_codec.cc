#include "kinesis/json_codec.h"

#include <simdjson.h>

#include <cmath>
#include <cstdio>

#include "common/base64.h"
#include "common/json_writer.h"

namespace pinpipe::kinesis {
namespace {

Status Convert(simdjson::dom::element e, Value& out, int depth) {
  if (depth > kMaxJsonDepth) return MakeError(ErrorCode::kInvalidArgument, "JSON nested deeper than 64");
  using T = simdjson::dom::element_type;
  switch (e.type()) {
    case T::NULL_VALUE: out = Value::Null(); break;
    case T::BOOL: {
      bool b = false;
      if (e.get(b)) return MakeError(ErrorCode::kInvalidArgument, "JSON: bad value");
      out = Value::Bool(b);
      break;
    }
    case T::INT64: {
      int64_t i = 0;
      if (e.get(i)) return MakeError(ErrorCode::kInvalidArgument, "JSON: bad value");
      out = Value::Int(i);
      break;
    }
    case T::UINT64: {
      uint64_t u = 0;
      if (e.get(u)) return MakeError(ErrorCode::kInvalidArgument, "JSON: bad value");
      out = Value::Double(static_cast<double>(u));
      break;
    }
    case T::DOUBLE: {
      double d = 0;
      if (e.get(d)) return MakeError(ErrorCode::kInvalidArgument, "JSON: bad value");
      out = Value::Double(d);
      break;
    }
    case T::STRING: {
      std::string_view sv;
      if (e.get(sv)) return MakeError(ErrorCode::kInvalidArgument, "JSON: bad value");
      out = Value::String(std::string(sv));
      break;
    }
    case T::ARRAY: {
      simdjson::dom::array arr;
      if (e.get(arr)) return MakeError(ErrorCode::kInvalidArgument, "JSON: bad value");
      out = Value::Array();
      out.items.reserve(arr.size());
      for (simdjson::dom::element x : arr) PINPIPE_RETURN_IF_ERROR(Convert(x, out.Add(Value{}), depth + 1));
      break;
    }
    case T::OBJECT: {
      simdjson::dom::object obj;
      if (e.get(obj)) return MakeError(ErrorCode::kInvalidArgument, "JSON: bad value");
      out = Value::Map();
      out.fields.reserve(obj.size());
      for (simdjson::dom::key_value_pair kv : obj) {
        PINPIPE_RETURN_IF_ERROR(Convert(kv.value, out.Set(std::string(kv.key), Value{}), depth + 1));
      }
      break;
    }
    default: return MakeError(ErrorCode::kInvalidArgument, "unsupported JSON value");
  }
  return OkStatus();
}

}  // namespace

Result<Value> DecodeJson(std::string_view in) {
  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(in);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root); err) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("JSON: ") + simdjson::error_message(err));
  }
  Value v;
  PINPIPE_RETURN_IF_ERROR(Convert(root, v, 0));
  return v;
}

void EncodeJson(const Value& v, std::string& out) {
  switch (v.kind) {
    case Value::Kind::kNull: out += "null"; return;
    case Value::Kind::kBool: out += v.b ? "true" : "false"; return;
    case Value::Kind::kInt: AppendJsonInt(out, v.i); return;
    case Value::Kind::kDouble: AppendJsonDouble(out, v.d); return;
    case Value::Kind::kString: AppendJsonString(out, v.s); return;
    case Value::Kind::kBytes:
      out += '"';
      Base64Encode(v.s, out);
      out += '"';
      return;
    case Value::Kind::kTimestamp: {
      // Epoch seconds with the milliseconds as a fraction: 1459799926.48
      int64_t ms = static_cast<int64_t>(std::llround(v.d));
      char buf[48];
      int n = std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000),
                            static_cast<long long>(ms % 1000));
      out.append(buf, static_cast<size_t>(n));
      return;
    }
    case Value::Kind::kArray:
      out += '[';
      for (size_t k = 0; k < v.items.size(); ++k) {
        if (k) out += ',';
        EncodeJson(v.items[k], out);
      }
      out += ']';
      return;
    case Value::Kind::kMap:
      out += '{';
      for (size_t k = 0; k < v.fields.size(); ++k) {
        if (k) out += ',';
        AppendJsonString(out, v.fields[k].first);
        out += ':';
        EncodeJson(v.fields[k].second, out);
      }
      out += '}';
      return;
  }
}

}  // namespace pinpipe::kinesis
