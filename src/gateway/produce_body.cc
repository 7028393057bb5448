#include "gateway/produce_body.h"

#include <cstring>

#include "common/base64.h"
#include "common/json_validator.h"
#include "gateway/rest_errors.h"

namespace pinpipe::gateway {
namespace {

namespace od = simdjson::ondemand;

// The raw JSON text of a value in a minified document.
simdjson::simdjson_result<std::string_view> RawJson(od::value& v) {
  od::json_type t;
  if (auto err = v.type().get(t)) return err;
  if (t == od::json_type::object) {
    od::object o;
    if (auto err = v.get_object().get(o)) return err;
    return o.raw_json();
  }
  if (t == od::json_type::array) {
    od::array a;
    if (auto err = v.get_array().get(a)) return err;
    return a.raw_json();
  }
  return v.raw_json_token();
}

// Error messages quote at most this much of the client's input, so an error body stays small.
constexpr size_t kQuoteMax = 64;

std::string Quote(std::string_view raw) {
  return raw.size() <= kQuoteMax ? std::string(raw) : std::string(raw.substr(0, kQuoteMax)) + "...";
}

ProduceBodyError PayloadError(size_t record, std::string_view field, std::string_view why) {
  return ProduceBodyError{rest_code::kPayloadError,
                          "Payload error. records[" + std::to_string(record) + "]." + std::string(field) +
                              " is not JSON every reader accepts: " + std::string(why)};
}
ProduceBodyError PayloadError(size_t record, std::string_view field, simdjson::error_code err) {
  return PayloadError(record, field, simdjson::error_message(err));
}

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// A number token as ValidateJson judges it. The common shapes (an integer of at most 18 digits,
// or a decimal without exponent whose integer part is far below a double's range) are accepted
// here without a call; everything else — exponents, long numbers, leading zeros, malformed
// tokens — goes to the reference.
bool NumberOk(std::string_view t) {
  const char* p = t.data();
  const char* const e = p + t.size();
  if (p != e && *p == '-') ++p;
  const char* const digits = p;
  if (p != e && *p == '0') {
    ++p;
  } else {
    while (p != e && IsDigit(*p)) ++p;
  }
  const size_t int_digits = static_cast<size_t>(p - digits);
  size_t max_int_digits = 18;  // any 18-digit integer fits int64
  if (p != e && *p == '.') {
    const char* const frac = ++p;
    while (p != e && IsDigit(*p)) ++p;
    if (p == frac) return false;
    max_int_digits = 300;  // below 10^300 a decimal without exponent is a finite double
  }
  if (p == e && int_digits != 0 && int_digits <= max_int_digits &&
      t.size() <= JsonLimits{}.max_number_chars) {
    return true;
  }
  return ValidateJson(t).ok;
}

// Checks the structure of one json key or value by visiting every element with simdjson's
// On-Demand API — on the structural index simdjson's stage 1 already built over the body, which
// also checked UTF-8, unescaped control characters and string bounds. The visit adds the
// grammar of objects and arrays and the literals; numbers are checked on their token by NumberOk
// (01, 1e999, integers beyond 64 bits, Jackson's 1000 characters); the nesting limit is
// Jackson's. Escapes are left to the caller: a value holding a backslash (rare) is re-checked
// whole by ValidateJson, so string contents are never copied, unescaped or even read here.
// (A single pass over the value's bytes instead was measured slower: the walk jumps from token
// to token on the index, while the bytes of strings are most of a typical record.)
// ValidateJson (common/json_validator.h) is the reference for the verdict:
// tests/gateway/produce_body_test.cc and fuzz/rest_produce_body_fuzz.cc hold the two together.
simdjson::error_code CheckStructure(od::value v, int depth) {
  static constexpr JsonLimits kLimits;
  od::json_type type;
  if (auto err = v.type().get(type)) return err;
  switch (type) {
    case od::json_type::object: {
      if (depth > kLimits.max_depth) return simdjson::DEPTH_ERROR;
      od::object o;
      if (auto err = v.get_object().get(o)) return err;
      for (auto field : o) {
        od::raw_json_string key;
        if (auto err = field.key().get(key)) return err;
        od::value fv;
        if (auto err = field.value().get(fv)) return err;
        if (auto err = CheckStructure(fv, depth + 1)) return err;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      if (depth > kLimits.max_depth) return simdjson::DEPTH_ERROR;
      od::array a;
      if (auto err = v.get_array().get(a)) return err;
      for (auto elem : a) {
        od::value ev;
        if (auto err = elem.get(ev)) return err;
        if (auto err = CheckStructure(ev, depth + 1)) return err;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      od::raw_json_string str;
      return v.get_raw_json_string().get(str);
    }
    case od::json_type::number:
      return NumberOk(v.raw_json_token()) ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
    case od::json_type::boolean: {
      bool b;
      return v.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto err = v.is_null().get(is_null)) return err;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::TAPE_ERROR;
}

}  // namespace

std::optional<ProduceBodyError> ProduceBody::Parse(std::string_view body, bool binary,
                                                   size_t max_records) {
  binary_ = binary;
  records_.clear();
  decoded_.clear();
  minified_.resize(body.size() + simdjson::SIMDJSON_PADDING);
  size_t len = 0;
  if (simdjson::minify(body.data(), body.size(), minified_.data(), len) != simdjson::SUCCESS) {
    return ProduceBodyError{rest_code::kBadRequest, "Bad Request: the body is not valid JSON"};
  }
  const char* base = minified_.data();
  od::document doc;
  if (parser_.iterate(base, len, minified_.size()).get(doc)) {
    return ProduceBodyError{rest_code::kBadRequest, "Bad Request: the body is not valid JSON"};
  }
  od::object root;
  if (doc.get_object().get(root)) {
    return ProduceBodyError{rest_code::kBadRequest, "Bad Request: the body must be a JSON object"};
  }
  const ProduceBodyError malformed{rest_code::kBadRequest, "Bad Request: malformed JSON"};
  // Values are searched for a backslash (escapes are left to ValidateJson) with one lazy memchr
  // over the rest of the body: values come in order, so no byte is searched twice.
  const char* backslash = nullptr;
  bool saw_records = false;
  unsigned seen_top = 0;  // bit per known top-level field
  for (auto field : root) {
    std::string_view name;
    if (field.unescaped_key().get(name)) return malformed;
    od::value v;
    if (field.value().get(v)) return malformed;
    if (name != "records") {
      // Schema fields are not used by json/binary but are part of ProduceRequest.
      static constexpr std::string_view kSchemaFields[] = {"key_schema", "key_schema_id",
                                                           "value_schema", "value_schema_id"};
      unsigned bit = 0;
      for (unsigned k = 0; k < 4; ++k) {
        if (name == kSchemaFields[k]) bit = 1u << k;
      }
      if (bit == 0) {
        return ProduceBodyError{rest_code::kUnprocessable,
                          "Unrecognized field \"" + Quote(name) +
                              "\": a produce request has records, key_schema, key_schema_id, "
                              "value_schema and value_schema_id"};
      }
      if (seen_top & bit) {
        return ProduceBodyError{rest_code::kUnprocessable, "Duplicate field \"" + std::string(name) + "\""};
      }
      seen_top |= bit;
      std::string_view ignored;
      if (RawJson(v).get(ignored)) return malformed;
      continue;
    }
    if (saw_records) return ProduceBodyError{rest_code::kUnprocessable, "Duplicate field \"records\""};
    saw_records = true;
    od::array arr;
    if (v.get_array().get(arr)) {
      return ProduceBodyError{rest_code::kUnprocessable, "records must be an array of records"};
    }
    for (auto elem : arr) {
      if (records_.size() >= max_records) {
        return ProduceBodyError{rest_code::kTooLarge,
                          "Request Entity Too Large: at most " + std::to_string(max_records) +
                              " records per request (rest.max_records_per_request)"};
      }
      od::object rec;
      if (elem.get_object().get(rec)) {
        return ProduceBodyError{rest_code::kUnprocessable, "each record must be a JSON object"};
      }
      Record p;
      unsigned seen = 0;  // key 1, value 2, partition 4
      for (auto rf : rec) {
        std::string_view rname;
        od::value rv;
        if (rf.unescaped_key().get(rname) || rf.value().get(rv)) return malformed;
        const unsigned bit = rname == "key" ? 1u : rname == "value" ? 2u : rname == "partition" ? 4u : 0u;
        if (bit == 0) {
          return ProduceBodyError{rest_code::kUnprocessable,
                            "Unrecognized field \"" + Quote(rname) + "\" in records[" +
                                std::to_string(records_.size()) + "]: a record has key, value and partition"};
        }
        if (seen & bit) {
          return ProduceBodyError{rest_code::kUnprocessable, "Duplicate field \"" + std::string(rname) +
                                                           "\" in records[" + std::to_string(records_.size()) + "]"};
        }
        seen |= bit;
        if (bit == 4u) {
          int64_t part;
          // .get(): the bool conversion of simdjson_result throws on a bad atom ("nulU").
          bool is_null = false;
          if (rv.is_null().get(is_null)) return malformed;
          if (is_null) continue;
          if (rv.get_int64().get(part) || part < 0 || part > INT32_MAX) {
            return ProduceBodyError{rest_code::kUnprocessable, "record partition must be a non-negative integer"};
          }
          p.partition = static_cast<int32_t>(part);
          continue;
        }
        const bool is_key = bit == 1u;
        size_t pos = 0;
        int64_t plen = -1;
        std::string_view raw;
        if (!binary) {
          // Walk the value on simdjson's structural index (no second scan of its bytes); it
          // ends where the iterator then stands — the body is minified, so nothing between.
          const std::string_view first = rv.raw_json_token();
          if (first != "null") {
            if (auto err = CheckStructure(rv, 1)) {
              return PayloadError(records_.size(), is_key ? "key" : "value", err);
            }
            // A scalar's token is the value; a container ends where the walk left the iterator.
            const char* end = first.data() + first.size();
            if ((first[0] == '{' || first[0] == '[') && doc.current_location().get(end)) return malformed;
            // On a truncated body the iterator may stand past the input (on structurals left by a
            // longer earlier body: the parser is reused); never read beyond what was sent.
            if (end < first.data() || end > base + len) return malformed;
            pos = static_cast<size_t>(first.data() - base);
            plen = static_cast<int64_t>(end - first.data());
            std::string_view text(first.data(), static_cast<size_t>(plen));
            if (backslash < text.data()) {  // the next backslash of the body at or after text
              const void* at = std::memchr(text.data(), '\\', static_cast<size_t>(base + len - text.data()));
              backslash = at ? static_cast<const char*>(at) : base + len;
            }
            if (backslash < text.data() + text.size() ||
                text.size() > JsonLimits{}.max_string_bytes) {
              if (JsonValidation check = ValidateJson(text); !check) {
                return PayloadError(records_.size(), is_key ? "key" : "value", check.reason);
              }
            }
          } else {
            bool is_null = false;  // consumes the token
            if (rv.is_null().get(is_null) || !is_null) return malformed;
          }
        } else if (RawJson(rv).get(raw)) {
          return malformed;
        } else if (raw != "null") {
          // binary: a base64 string. The raw token is minified, so it is exactly "....".
          if (raw.size() < 2 || raw.front() != '"') {
            return ProduceBodyError{rest_code::kBadRequest,
                              "Bad Request: data=" + Quote(raw) + " is not a base64 string."};
          }
          std::string_view b64 = raw.substr(1, raw.size() - 2);
          pos = decoded_.size();
          if (!Base64Decode(b64, decoded_)) {
            return ProduceBodyError{rest_code::kBadRequest,
                              "Bad Request: data=\"" + Quote(b64) + "\" is not a valid base64 string."};
          }
          plen = static_cast<int64_t>(decoded_.size() - pos);
        }
        if (is_key) {
          p.key_pos = pos;
          p.key_len = plen;
        } else {
          p.value_pos = pos;
          p.value_len = plen;
        }
      }
      records_.push_back(p);
    }
  }
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return ProduceBodyError{rest_code::kBadRequest, "Bad Request: trailing data after the JSON body"};
  }
  if (!saw_records || records_.empty()) {
    return ProduceBodyError{rest_code::kUnprocessable, "records may not be empty"};
  }
  return std::nullopt;
}

}  // namespace pinpipe::gateway
