#include "lake/thrift_compact.h"

#include <cstring>
#include <string>

namespace pinpipe::lake {

namespace {
constexpr int kMaxDepth = 64;  // parquet structs nest < 10 deep; deeper input is hostile
}

// ---- writer ----

void ThriftWriter::WriteVarint(uint64_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<char>(v));
}

// TCP "Field header": short form when 1 <= delta <= 15, else the long form with a zigzag i16 id.
void ThriftWriter::FieldHeader(int16_t id, TType type) {
  int16_t& last = last_ids_.back();
  int delta = id - last;
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<char>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    out_->push_back(static_cast<char>(type));
    WriteVarint(ZigZag(id));
  }
  last = id;
}

void ThriftWriter::FieldI8(int16_t id, int8_t v) {
  FieldHeader(id, TType::kI8);
  out_->push_back(static_cast<char>(v));  // i8 is one raw byte, not a varint (TCP "Integer encoding")
}
void ThriftWriter::FieldI16(int16_t id, int16_t v) {
  FieldHeader(id, TType::kI16);
  WriteVarint(ZigZag(v));
}
void ThriftWriter::FieldI32(int16_t id, int32_t v) {
  FieldHeader(id, TType::kI32);
  WriteVarint(ZigZag(v));
}
void ThriftWriter::FieldI64(int16_t id, int64_t v) {
  FieldHeader(id, TType::kI64);
  WriteVarint(ZigZag(v));
}
void ThriftWriter::FieldBool(int16_t id, bool v) {
  FieldHeader(id, v ? TType::kBoolTrue : TType::kBoolFalse);
}
void ThriftWriter::FieldBinary(int16_t id, std::string_view v) {
  FieldHeader(id, TType::kBinary);
  WriteVarint(v.size());
  out_->append(v);
}
void ThriftWriter::FieldDouble(int16_t id, double v) {
  FieldHeader(id, TType::kDouble);
  char b[8];
  std::memcpy(b, &v, 8);  // little-endian host (x86-64/aarch64)
  out_->append(b, 8);
}
void ThriftWriter::FieldStructBegin(int16_t id) {
  FieldHeader(id, TType::kStruct);
  BeginStruct();
}
void ThriftWriter::FieldListBegin(int16_t id, TType elem, uint32_t size) {
  FieldHeader(id, TType::kList);
  if (size < 15) {
    out_->push_back(static_cast<char>((size << 4) | static_cast<uint8_t>(elem)));
  } else {
    out_->push_back(static_cast<char>(0xf0 | static_cast<uint8_t>(elem)));
    WriteVarint(size);
  }
}
void ThriftWriter::ElementBinary(std::string_view v) {
  WriteVarint(v.size());
  out_->append(v);
}

// ---- reader ----

void ThriftReader::Fail(std::string_view what) {
  if (ok()) {
    status_ = MakeError(ErrorCode::kCorruption,
                        "thrift: " + std::string(what) + " at byte " + std::to_string(position()));
  }
  p_ = end_;  // stop all further reads
}

uint64_t ThriftReader::ReadVarint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p_ >= end_) {
      Fail("truncated varint");
      return 0;
    }
    uint8_t b = *p_++;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  Fail("varint longer than 10 bytes");
  return 0;
}

void ThriftReader::BeginStruct() {
  if (last_ids_.size() >= kMaxDepth) {
    Fail("structs nested too deeply");
    return;
  }
  last_ids_.push_back(0);
}

void ThriftReader::EndStruct() {
  if (!last_ids_.empty()) last_ids_.pop_back();
}

bool ThriftReader::NextField(int16_t* id, TType* type) {
  if (!ok() || last_ids_.empty()) return false;
  if (p_ >= end_) {
    Fail("truncated struct");
    return false;
  }
  uint8_t b = *p_++;
  uint8_t t = b & 0x0f;
  if (t == 0) {
    *type = TType::kStop;
    return false;
  }
  if (t > static_cast<uint8_t>(TType::kStruct)) {
    Fail("unknown field type " + std::to_string(t));
    return false;
  }
  int delta = b >> 4;
  int64_t fid;
  if (delta != 0) {
    fid = last_ids_.back() + delta;
  } else {
    fid = Unzig(ReadVarint());
  }
  if (!ok()) return false;
  if (fid < -32768 || fid > 32767) {
    Fail("field id out of range");
    return false;
  }
  last_ids_.back() = static_cast<int16_t>(fid);
  *id = static_cast<int16_t>(fid);
  *type = static_cast<TType>(t);
  return true;
}

int64_t ThriftReader::ReadInt(TType type) {
  switch (type) {
    case TType::kI8:
      if (p_ >= end_) {
        Fail("truncated i8");
        return 0;
      }
      return static_cast<int8_t>(*p_++);
    case TType::kI16:
    case TType::kI32:
    case TType::kI64:
      return Unzig(ReadVarint());
    default:
      Fail("expected an integer field");
      return 0;
  }
}

int32_t ThriftReader::ReadI32(TType type) {
  if (type != TType::kI32) {
    Fail("expected i32 field");
    return 0;
  }
  int64_t v = Unzig(ReadVarint());
  if (v < INT32_MIN || v > INT32_MAX) {
    Fail("i32 out of range");
    return 0;
  }
  return static_cast<int32_t>(v);
}

int64_t ThriftReader::ReadI64(TType type) {
  if (type != TType::kI64) {
    Fail("expected i64 field");
    return 0;
  }
  return Unzig(ReadVarint());
}

bool ThriftReader::ReadBool(TType type) {
  if (type == TType::kBoolTrue) return true;
  if (type == TType::kBoolFalse) return false;
  Fail("expected bool field");
  return false;
}

std::string_view ThriftReader::ReadBinary(TType type) {
  if (type != TType::kBinary) {
    Fail("expected binary field");
    return {};
  }
  return ReadElementBinary();
}

std::string_view ThriftReader::ReadElementBinary() {
  uint64_t n = ReadVarint();
  if (!ok()) return {};
  if (n > static_cast<uint64_t>(end_ - p_)) {
    Fail("binary length past end");
    return {};
  }
  std::string_view v(reinterpret_cast<const char*>(p_), n);
  p_ += n;
  return v;
}

bool ThriftReader::ReadElementBool() {
  if (p_ >= end_) {
    Fail("truncated bool");
    return false;
  }
  return *p_++ == 1;
}

double ThriftReader::ReadDouble(TType type) {
  if (type != TType::kDouble || end_ - p_ < 8) {
    Fail("expected double field");
    return 0;
  }
  double v;
  std::memcpy(&v, p_, 8);
  p_ += 8;
  return v;
}

uint32_t ThriftReader::ReadListBegin(TType type, TType* elem) {
  if (type != TType::kList && type != TType::kSet) {
    Fail("expected list field");
    return 0;
  }
  if (p_ >= end_) {
    Fail("truncated list header");
    return 0;
  }
  uint8_t b = *p_++;
  *elem = static_cast<TType>(b & 0x0f);
  uint64_t size = b >> 4;
  if (size == 15) size = ReadVarint();
  if (!ok()) return 0;
  // Every element takes at least one byte (bools, empty structs), so a larger count is a lie.
  if (size > static_cast<uint64_t>(end_ - p_)) {
    Fail("list size past end");
    return 0;
  }
  return static_cast<uint32_t>(size);
}

void ThriftReader::Skip(TType type, int depth) {
  if (depth > kMaxDepth) {
    Fail("values nested too deeply");
    return;
  }
  switch (type) {
    case TType::kBoolTrue:
    case TType::kBoolFalse:
      return;
    case TType::kI8:
      ReadInt(type);
      return;
    case TType::kI16:
    case TType::kI32:
    case TType::kI64:
      ReadVarint();
      return;
    case TType::kDouble:
      ReadDouble(type);
      return;
    case TType::kBinary:
      ReadElementBinary();
      return;
    case TType::kList:
    case TType::kSet: {
      TType elem;
      uint32_t n = ReadListBegin(type, &elem);
      for (uint32_t i = 0; i < n && ok(); ++i) {
        if (elem == TType::kBoolTrue || elem == TType::kBoolFalse) {
          ReadElementBool();
        } else {
          Skip(elem, depth + 1);
        }
      }
      return;
    }
    case TType::kMap: {
      uint64_t n = ReadVarint();
      if (n == 0 || !ok()) return;
      if (n > static_cast<uint64_t>(end_ - p_) || p_ >= end_) {
        Fail("map size past end");
        return;
      }
      uint8_t kv = *p_++;
      TType kt = static_cast<TType>(kv >> 4), vt = static_cast<TType>(kv & 0x0f);
      for (uint64_t i = 0; i < n && ok(); ++i) {
        Skip(kt, depth + 1);
        Skip(vt, depth + 1);
      }
      return;
    }
    case TType::kStruct: {
      BeginStruct();
      int16_t id;
      TType t;
      while (NextField(&id, &t)) Skip(t, depth + 1);
      EndStruct();
      return;
    }
    default:
      Fail("cannot skip unknown type");
  }
}

}  // namespace pinpipe::lake
