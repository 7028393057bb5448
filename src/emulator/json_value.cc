#include "emulator/json_value.h"

#include <cctype>
#include <charconv>
#include <cstdlib>

#include "emulator/py_json.h"

namespace pinpipe::emulator {

class JsonParser {
 public:
  explicit JsonParser(std::string_view s) : s_(s) {}

  Result<JsonValue> ParseDocument() {
    JsonValue v;
    PINPIPE_RETURN_IF_ERROR(ParseValue(v, 0));
    SkipWs();
    if (pos_ != s_.size()) return Fail("trailing characters");
    return v;
  }

 private:
  std::unexpected<Error> Fail(std::string_view what) const {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid JSON at byte " + std::to_string(pos_) + ": " + std::string(what));
  }
  void SkipWs() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Literal(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }

  Status ParseValue(JsonValue& v, int depth) {
    if (depth > 64) return Fail("nested too deeply");
    SkipWs();
    if (pos_ >= s_.size()) return Fail("unexpected end");
    const char c = s_[pos_];
    if (c == '{') return ParseObject(v, depth);
    if (c == '[') return ParseArray(v, depth);
    if (c == '"') {
      v.kind_ = JsonValue::Kind::kString;
      return ParseString(v.text_);
    }
    if (Literal("null")) {
      v.kind_ = JsonValue::Kind::kNull;
      return OkStatus();
    }
    if (Literal("true") || Literal("false")) {
      v.kind_ = JsonValue::Kind::kBool;
      v.bool_ = s_[pos_ - 1] == 'e' && s_[pos_ - 2] == 'u';
      return OkStatus();
    }
    if (Literal("NaN") || Literal("Infinity") || Literal("-Infinity")) {  // Python's dumps
      v.kind_ = JsonValue::Kind::kNumber;
      v.text_ = "NaN";
      return OkStatus();
    }
    return ParseNumber(v);
  }

  Status ParseNumber(JsonValue& v) {
    const size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    size_t digits = 0;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_, ++digits;
    if (digits == 0) return Fail("unexpected character");
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    v.kind_ = JsonValue::Kind::kNumber;
    v.text_.assign(s_.substr(start, pos_ - start));
    return OkStatus();
  }

  static void AppendUtf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  Result<uint32_t> Hex4() {
    if (pos_ + 4 > s_.size()) return Fail("short \\u escape");
    uint32_t v = 0;
    auto r = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, v, 16);
    if (r.ptr != s_.data() + pos_ + 4) return Fail("bad \\u escape");
    pos_ += 4;
    return v;
  }

  Status ParseString(std::string& out) {
    ++pos_;  // opening quote
    out.clear();
    while (true) {
      if (pos_ >= s_.size()) return Fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return OkStatus();
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) return Fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          PINPIPE_ASSIGN_OR_RETURN(uint32_t cp, Hex4());
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            PINPIPE_ASSIGN_OR_RETURN(uint32_t lo, Hex4());
            if (lo >= 0xDC00 && lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              AppendUtf8(0xFFFD, out);
              cp = lo;
            }
          }
          if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;  // lone surrogate
          AppendUtf8(cp, out);
          break;
        }
        default: return Fail("bad escape");
      }
    }
  }

  Status ParseArray(JsonValue& v, int depth) {
    v.kind_ = JsonValue::Kind::kArray;
    ++pos_;
    SkipWs();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return OkStatus();
    }
    while (true) {
      v.items_.emplace_back();
      PINPIPE_RETURN_IF_ERROR(ParseValue(v.items_.back(), depth + 1));
      SkipWs();
      if (pos_ >= s_.size()) return Fail("unterminated array");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        return OkStatus();
      }
      return Fail("expected , or ]");
    }
  }

  Status ParseObject(JsonValue& v, int depth) {
    v.kind_ = JsonValue::Kind::kObject;
    ++pos_;
    SkipWs();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return OkStatus();
    }
    while (true) {
      SkipWs();
      if (pos_ >= s_.size() || s_[pos_] != '"') return Fail("expected a member name");
      v.members_.emplace_back();
      PINPIPE_RETURN_IF_ERROR(ParseString(v.members_.back().first));
      SkipWs();
      if (pos_ >= s_.size() || s_[pos_] != ':') return Fail("expected :");
      ++pos_;
      PINPIPE_RETURN_IF_ERROR(ParseValue(v.members_.back().second, depth + 1));
      SkipWs();
      if (pos_ >= s_.size()) return Fail("unterminated object");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        return OkStatus();
      }
      return Fail("expected , or }");
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

Result<JsonValue> JsonValue::Parse(std::string_view text) {
  return JsonParser(text).ParseDocument();
}

std::optional<int64_t> JsonValue::as_int() const {
  if (kind_ != Kind::kNumber) return std::nullopt;
  int64_t v = 0;
  auto r = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  if (r.ec != std::errc() || r.ptr != text_.data() + text_.size()) return std::nullopt;
  return v;
}

std::optional<double> JsonValue::as_double() const {
  if (kind_ != Kind::kNumber) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(text_.c_str(), &end);
  if (end != text_.c_str() + text_.size()) return std::nullopt;
  return d;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  for (const auto& [k, v] : members_) {
    if (k == key) return &v;
  }
  return nullptr;
}

void JsonValue::AppendPython(std::string* out) const {
  switch (kind_) {
    case Kind::kNull: out->append("null"); break;
    case Kind::kBool: out->append(bool_ ? "true" : "false"); break;
    case Kind::kNumber:
      // Python re-serializes a float through repr(): 1e2 -> 100.0, 0.50 -> 0.5.
      if (text_.find_first_of(".eE") != std::string::npos && as_double()) {
        AppendPyFloat(*as_double(), out);
      } else {
        out->append(text_);
      }
      break;
    case Kind::kString: AppendPyJsonString(text_, out); break;
    case Kind::kArray:
      out->push_back('[');
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i) out->append(", ");
        items_[i].AppendPython(out);
      }
      out->push_back(']');
      break;
    case Kind::kObject:
      out->push_back('{');
      for (size_t i = 0; i < members_.size(); ++i) {
        if (i) out->append(", ");
        AppendPyJsonString(members_[i].first, out);
        out->append(": ");
        members_[i].second.AppendPython(out);
      }
      out->push_back('}');
      break;
  }
}

}  // namespace pinpipe::emulator
