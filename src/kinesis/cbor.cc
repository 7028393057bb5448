#include "kinesis/cbor.h"

#include <bit>
#include <cmath>
#include <cstring>

namespace pinpipe::kinesis {
namespace {

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}

  Status Item(Value& out, int depth) {
    if (depth > kMaxCborDepth) return Fail("nesting deeper than 64");
    uint8_t ib = 0;
    PINPIPE_RETURN_IF_ERROR(Byte(ib));
    const uint8_t major = ib >> 5, info = ib & 0x1f;
    if (major == 7) return Simple(info, out);
    uint64_t arg = 0;
    bool indefinite = false;
    if (info == 31) {
      if (major == 0 || major == 1 || major == 6) return Fail("indefinite length on an integer or tag");
      indefinite = true;
    } else {
      PINPIPE_RETURN_IF_ERROR(Argument(info, arg));
    }
    switch (major) {
      case 0:
        if (arg > static_cast<uint64_t>(INT64_MAX)) {
          out = Value::Double(static_cast<double>(arg));
        } else {
          out = Value::Int(static_cast<int64_t>(arg));
        }
        return OkStatus();
      case 1:  // -1 - arg
        if (arg > static_cast<uint64_t>(INT64_MAX)) {
          out = Value::Double(-1.0 - static_cast<double>(arg));
        } else {
          out = Value::Int(-1 - static_cast<int64_t>(arg));
        }
        return OkStatus();
      case 2:
      case 3: {
        std::string s;
        PINPIPE_RETURN_IF_ERROR(indefinite ? Chunks(major, s) : Bytes(arg, s));
        out = major == 2 ? Value::Bytes(std::move(s)) : Value::String(std::move(s));
        return OkStatus();
      }
      case 4: {
        out = Value::Array();
        for (uint64_t k = 0; indefinite || k < arg; ++k) {
          if (indefinite && AtBreak()) break;
          if (!indefinite && arg - k > in_.size() - pos_) return Fail("array longer than the input");
          PINPIPE_RETURN_IF_ERROR(Item(out.Add(Value{}), depth + 1));
        }
        return OkStatus();
      }
      case 5: {
        out = Value::Map();
        for (uint64_t k = 0; indefinite || k < arg; ++k) {
          if (indefinite && AtBreak()) break;
          if (!indefinite && arg - k > in_.size() - pos_) return Fail("map longer than the input");
          Value key;
          PINPIPE_RETURN_IF_ERROR(Item(key, depth + 1));
          if (key.kind != Value::Kind::kString) return Fail("map key is not a text string");
          PINPIPE_RETURN_IF_ERROR(Item(out.Set(std::move(key.s), Value{}), depth + 1));
        }
        return OkStatus();
      }
      case 6: {
        PINPIPE_RETURN_IF_ERROR(Item(out, depth + 1));
        if (arg == 1) {  // epoch time: the AWS SDKs write milliseconds
          if (out.kind == Value::Kind::kInt) {
            out = Value::Timestamp(static_cast<double>(out.i));
          } else if (out.kind == Value::Kind::kDouble) {
            out = Value::Timestamp(out.d);
          } else {
            return Fail("tag 1 on a non-number");
          }
        }
        return OkStatus();
      }
    }
    return Fail("unreachable major type");
  }

  bool done() const { return pos_ == in_.size(); }

 private:
  static std::unexpected<Error> Fail(std::string m) {
    return MakeError(ErrorCode::kInvalidArgument, "CBOR: " + m);
  }
  Status Byte(uint8_t& b) {
    if (pos_ >= in_.size()) return Fail("unexpected end of input");
    b = static_cast<uint8_t>(in_[pos_++]);
    return OkStatus();
  }
  Status Be(int n, uint64_t& v) {
    if (in_.size() - pos_ < static_cast<size_t>(n)) return Fail("unexpected end of input");
    v = 0;
    for (int k = 0; k < n; ++k) v = (v << 8) | static_cast<uint8_t>(in_[pos_++]);
    return OkStatus();
  }
  Status Argument(uint8_t info, uint64_t& arg) {
    if (info < 24) {
      arg = info;
      return OkStatus();
    }
    switch (info) {
      case 24: return Be(1, arg);
      case 25: return Be(2, arg);
      case 26: return Be(4, arg);
      case 27: return Be(8, arg);
    }
    return Fail("reserved additional information");
  }
  bool AtBreak() {
    if (pos_ < in_.size() && static_cast<uint8_t>(in_[pos_]) == 0xff) {
      ++pos_;
      return true;
    }
    return false;
  }
  Status Bytes(uint64_t n, std::string& s) {
    if (n > in_.size() - pos_) return Fail("string longer than the input");
    s.append(in_.substr(pos_, n));
    pos_ += n;
    return OkStatus();
  }
  Status Chunks(uint8_t major, std::string& s) {
    while (true) {
      if (AtBreak()) return OkStatus();
      uint8_t ib = 0;
      PINPIPE_RETURN_IF_ERROR(Byte(ib));
      if ((ib >> 5) != major || (ib & 0x1f) == 31) return Fail("bad chunk in an indefinite string");
      uint64_t n = 0;
      PINPIPE_RETURN_IF_ERROR(Argument(ib & 0x1f, n));
      PINPIPE_RETURN_IF_ERROR(Bytes(n, s));
    }
  }
  Status Simple(uint8_t info, Value& out) {
    uint64_t v = 0;
    switch (info) {
      case 20: out = Value::Bool(false); return OkStatus();
      case 21: out = Value::Bool(true); return OkStatus();
      case 22:
      case 23: out = Value::Null(); return OkStatus();  // null, undefined
      case 24:
        PINPIPE_RETURN_IF_ERROR(Be(1, v));
        if (v < 32) return Fail("simple value not well-formed");
        out = Value::Null();
        return OkStatus();
      case 25: {
        PINPIPE_RETURN_IF_ERROR(Be(2, v));
        out = Value::Double(HalfToDouble(static_cast<uint16_t>(v)));
        return OkStatus();
      }
      case 26: {
        PINPIPE_RETURN_IF_ERROR(Be(4, v));
        out = Value::Double(static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(v))));
        return OkStatus();
      }
      case 27:
        PINPIPE_RETURN_IF_ERROR(Be(8, v));
        out = Value::Double(std::bit_cast<double>(v));
        return OkStatus();
      case 31: return Fail("unexpected break");
    }
    if (info < 20) {
      out = Value::Null();  // unassigned simple values
      return OkStatus();
    }
    return Fail("reserved simple value");
  }
  static double HalfToDouble(uint16_t h) {  // RFC 8949 Appendix D
    int exp = (h >> 10) & 0x1f;
    int mant = h & 0x3ff;
    double val;
    if (exp == 0) {
      val = std::ldexp(mant, -24);
    } else if (exp != 31) {
      val = std::ldexp(mant + 1024, exp - 25);
    } else {
      val = mant == 0 ? INFINITY : NAN;
    }
    return (h & 0x8000) ? -val : val;
  }

  std::string_view in_;
  size_t pos_ = 0;
};

void Head(uint8_t major, uint64_t arg, std::string& out) {
  const char m = static_cast<char>(major << 5);
  if (arg < 24) {
    out += static_cast<char>(m | static_cast<char>(arg));
    return;
  }
  int n = arg <= 0xff ? 1 : arg <= 0xffff ? 2 : arg <= 0xffffffffULL ? 4 : 8;
  out += static_cast<char>(m | static_cast<char>(n == 1 ? 24 : n == 2 ? 25 : n == 4 ? 26 : 27));
  for (int k = n - 1; k >= 0; --k) out += static_cast<char>((arg >> (8 * k)) & 0xff);
}

void EncodeInt(int64_t v, std::string& out) {
  if (v >= 0) {
    Head(0, static_cast<uint64_t>(v), out);
  } else {
    Head(1, static_cast<uint64_t>(-1 - v), out);
  }
}

}  // namespace

Result<Value> DecodeCbor(std::string_view in) {
  Decoder d(in);
  Value v;
  PINPIPE_RETURN_IF_ERROR(d.Item(v, 0));
  if (!d.done()) return MakeError(ErrorCode::kInvalidArgument, "CBOR: trailing bytes after the item");
  return v;
}

void EncodeCbor(const Value& v, std::string& out) {
  switch (v.kind) {
    case Value::Kind::kNull: out += '\xf6'; return;
    case Value::Kind::kBool: out += v.b ? '\xf5' : '\xf4'; return;
    case Value::Kind::kInt: EncodeInt(v.i, out); return;
    case Value::Kind::kDouble: {
      out += '\xfb';
      uint64_t bits = std::bit_cast<uint64_t>(v.d);
      for (int k = 7; k >= 0; --k) out += static_cast<char>((bits >> (8 * k)) & 0xff);
      return;
    }
    case Value::Kind::kString:
    case Value::Kind::kBytes:
      Head(v.kind == Value::Kind::kBytes ? 2 : 3, v.s.size(), out);
      out += v.s;
      return;
    case Value::Kind::kArray:
      Head(4, v.items.size(), out);
      for (const auto& x : v.items) EncodeCbor(x, out);
      return;
    case Value::Kind::kMap:
      Head(5, v.fields.size(), out);
      for (const auto& [k, x] : v.fields) {
        Head(3, k.size(), out);
        out += k;
        EncodeCbor(x, out);
      }
      return;
    case Value::Kind::kTimestamp:
      Head(6, 1, out);
      EncodeInt(static_cast<int64_t>(std::llround(v.d)), out);
      return;
  }
}

}  // namespace pinpipe::kinesis
