#include "pinterest/raw_decode.h"

#include <simdjson.h>

#include <bit>
#include <charconv>
#include <algorithm>
#include <cstring>
#include <span>
#include <string>

#include "pinterest/timestamp.h"

namespace pinpipe::pinterest {

namespace od = simdjson::ondemand;

namespace {

enum class SlotType : uint8_t { kString, kInt, kDouble, kTimestamp };

// A key's raw text as it appears after its opening quote: the name, then the closing quote,
// as two little-endian words and their masks (names up to 15 characters), so that the key
// comparison of every field is two loads and compares instead of a memcmp call.
struct KeyPattern {
  std::string_view name;
  uint64_t word[2] = {0, 0}, mask[2] = {0, 0};
  bool fits = false;

  constexpr explicit KeyPattern(std::string_view n) : name(n), fits(n.size() + 1 <= 16) {
    if (!fits) return;
    for (size_t i = 0; i <= n.size(); ++i) {
      const uint64_t byte = i < n.size() ? static_cast<unsigned char>(n[i]) : uint64_t{'"'};
      word[i / 8] |= byte << (8 * (i % 8));
      mask[i / 8] |= uint64_t{0xff} << (8 * (i % 8));
    }
  }
  // Whether the raw key text at `p` (just after its opening quote) is exactly the name: its
  // bytes, then the closing quote. Names hold no quote or backslash, so a key spelled with an
  // escape never matches. Reads 16 bytes (or name.size() + 1): inside the document or its
  // padding.
  bool Matches(const char* p) const {
    if (fits && std::endian::native == std::endian::little) {
      uint64_t a, b;
      std::memcpy(&a, p, 8);
      std::memcpy(&b, p + 8, 8);
      return ((a ^ word[0]) & mask[0]) == 0 && ((b ^ word[1]) & mask[1]) == 0;
    }
    return std::memcmp(p, name.data(), name.size()) == 0 && p[name.size()] == '"';
  }
};

struct FieldSpec {
  constexpr FieldSpec(std::string_view n, SlotType t) : name(n), type(t), key(n) {}
  std::string_view name;
  SlotType type;
  KeyPattern key;
};

constexpr KeyPattern kIndexKey("index");

// Slot 0 is always `ind`; the other slots follow the table's raw column order.
constexpr FieldSpec kPinFields[] = {
    {"ind", SlotType::kInt},           {"unique_id", SlotType::kString},
    {"title", SlotType::kString},      {"description", SlotType::kString},
    {"poster_name", SlotType::kString}, {"follower_count", SlotType::kString},
    {"tag_list", SlotType::kString},   {"is_image_or_video", SlotType::kString},
    {"image_src", SlotType::kString},  {"downloaded", SlotType::kInt},
    {"save_location", SlotType::kString}, {"category", SlotType::kString},
};
constexpr FieldSpec kGeoFields[] = {
    {"ind", SlotType::kInt},
    {"timestamp", SlotType::kTimestamp},
    {"latitude", SlotType::kDouble},
    {"longitude", SlotType::kDouble},
    {"country", SlotType::kString},
};
constexpr FieldSpec kUserFields[] = {
    {"ind", SlotType::kInt},           {"first_name", SlotType::kString},
    {"last_name", SlotType::kString},  {"age", SlotType::kInt},
    {"date_joined", SlotType::kTimestamp},
};
constexpr size_t kMaxSlots = 12;

struct Slot {
  bool valid;
  std::string_view s;  // kString: points into the parser's buffer or the input (valid until
                       // the next record)
  int64_t i;           // kInt, kTimestamp
  double d;            // kDouble
};

std::span<const FieldSpec> FieldsOf(RawKind kind) {
  switch (kind) {
    case RawKind::kPin:
      return kPinFields;
    case RawKind::kGeo:
      return kGeoFields;
    case RawKind::kUser:
      return kUserFields;
  }
  return {};
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' ||
                        s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool IsBlank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

void CommitPin(const Slot* s, RawPinTable& t) {
  auto str = [](const Slot& x, StringColumn& c) { x.valid ? c.Append(x.s) : c.AppendNull(); };
  t.ind.push_back(s[0].i);
  str(s[1], t.unique_id);
  str(s[2], t.title);
  str(s[3], t.description);
  str(s[4], t.poster_name);
  str(s[5], t.follower_count);
  str(s[6], t.tag_list);
  str(s[7], t.is_image_or_video);
  str(s[8], t.image_src);
  s[9].valid ? t.downloaded.Append(s[9].i) : t.downloaded.AppendNull();
  str(s[10], t.save_location);
  str(s[11], t.category);
}

void CommitGeo(const Slot* s, RawGeoTable& t) {
  t.ind.push_back(s[0].i);
  s[1].valid ? t.timestamp.Append(s[1].i) : t.timestamp.AppendNull();
  s[2].valid ? t.latitude.Append(s[2].d) : t.latitude.AppendNull();
  s[3].valid ? t.longitude.Append(s[3].d) : t.longitude.AppendNull();
  s[4].valid ? t.country.Append(s[4].s) : t.country.AppendNull();
}

void CommitUser(const Slot* s, RawUserTable& t) {
  t.ind.push_back(s[0].i);
  s[1].valid ? t.first_name.Append(s[1].s) : t.first_name.AppendNull();
  s[2].valid ? t.last_name.Append(s[2].s) : t.last_name.AppendNull();
  s[3].valid ? t.age.Append(s[3].i) : t.age.AppendNull();
  s[4].valid ? t.date_joined.Append(s[4].i) : t.date_joined.AppendNull();
}

}  // namespace

bool ParseInt64Text(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') return false;
  auto [p, ec] = std::from_chars(b, e, *out);
  return ec == std::errc() && p == e;
}

bool ParseDoubleText(std::string_view s, double* out) {
  // Plain decimal numbers only (no "inf", "nan", "+1").
  const size_t first = !s.empty() && s[0] == '-' ? 1 : 0;
  if (s.size() <= first || !((s[first] >= '0' && s[first] <= '9') || s[first] == '.')) return false;
  const char* e = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), e, *out, std::chars_format::general);
  return ec == std::errc() && p == e;
}

void RawTables::ReserveScaled(RawKind kind, double factor) {
  switch (kind) {
    case RawKind::kPin:
      pin.ReserveScaled(factor);
      break;
    case RawKind::kGeo:
      geo.ReserveScaled(factor);
      break;
    case RawKind::kUser:
      user.ReserveScaled(factor);
      break;
  }
}

struct RawDecoder::Impl {
  od::parser parser;
  std::string padded;  // copy of the caller's bytes + padding (Decode, DecodeRecord)
  std::string reason;  // scratch for quarantine reasons
  Slot slots[kMaxSlots];

  // Decodes one record into `slots`; returns false with `reason` set when it cannot.
  bool DecodeOne(std::span<const FieldSpec> fields, const char* p, size_t len, size_t cap);
  // Slot for a key (or -1).
  int SlotOf(std::span<const FieldSpec> fields, std::string_view key) const;
  bool Fail(std::string_view field, std::string_view what) {
    reason.assign(field);
    if (!field.empty()) reason += ": ";
    reason += what;
    return false;
  }
};

int RawDecoder::Impl::SlotOf(std::span<const FieldSpec> fields, std::string_view key) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name.size() == key.size() && fields[i].name == key) return static_cast<int>(i);
  return -1;
}

// Decodes `v` as a value of `type` into `slot`; nullptr on success, else the reason.
static const char* DecodeValue(SlotType type, od::value& v, Slot& slot) {
  od::json_type jt;
  if (v.type().get(jt)) return "invalid JSON value";
  slot.valid = false;
  if (jt == od::json_type::null) {
    bool is_null = false;
    if (v.is_null().get(is_null) || !is_null) return "invalid JSON literal";
    return nullptr;
  }
  switch (type) {
    case SlotType::kString:
      if (jt == od::json_type::string) {
        if (v.get_string().get(slot.s)) return "invalid JSON string";
      } else if (jt == od::json_type::number) {
        slot.s = TrimRight(v.raw_json_token());
        double ignored;
        if (v.get_double().get(ignored)) return "invalid JSON number";
      } else {
        return "expected a string";
      }
      break;
    case SlotType::kInt:
      if (jt == od::json_type::number) {
        if (v.get_int64().get(slot.i)) return "not an integer";
      } else if (jt == od::json_type::string) {
        std::string_view s;
        if (v.get_string().get(s)) return "invalid JSON string";
        if (!ParseInt64Text(s, &slot.i)) return "not an integer";
      } else {
        return "expected an integer";
      }
      break;
    case SlotType::kDouble:
      if (jt == od::json_type::number) {
        if (v.get_double().get(slot.d)) return "not a number";
      } else if (jt == od::json_type::string) {
        std::string_view s;
        if (v.get_string().get(s)) return "invalid JSON string";
        if (!ParseDoubleText(s, &slot.d)) return "not a number";
      } else {
        return "expected a number";
      }
      break;
    case SlotType::kTimestamp: {
      if (jt != od::json_type::string) return "expected a datetime string";
      std::string_view s;
      if (v.get_string().get(s)) return "invalid JSON string";
      auto micros = ParseTimestampMicros(s);
      if (!micros) return "not a datetime";
      slot.i = *micros;
      break;
    }
  }
  slot.valid = true;
  return nullptr;
}

bool RawDecoder::Impl::DecodeOne(std::span<const FieldSpec> fields, const char* p, size_t len,
                                 size_t cap) {
  for (size_t i = 0; i < fields.size(); ++i) slots[i].valid = false;
  od::document doc;
  if (auto err = parser.iterate(p, len, cap).get(doc); err)
    return Fail("", std::string("invalid JSON: ") + simdjson::error_message(err));
  od::object obj;
  if (auto err = doc.get_object().get(obj); err) {
    return Fail("", err == simdjson::INCORRECT_TYPE
                        ? std::string("not a JSON object")
                        : std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  // `ind` wins over `index` when both keys are present, whatever their order; an error in
  // `index` only matters when there is no `ind`.
  bool has_ind = false, has_index = false;
  const char* index_error = nullptr;
  Slot index_slot{};
  size_t expect = 0;
  for (auto field_result : obj) {
    if (auto err = field_result.error(); err)
      return Fail("", std::string("invalid JSON: ") + simdjson::error_message(err));
    // Used in place, not copied out: copying the field (and its value below) reloaded the
    // iterator's just-written words at a wider size, a store-forwarding stall per field that
    // cost more than the rest of this loop.
    od::field&& field = std::move(field_result).value_unsafe();
    // Keys usually come in the table's order: the next field's name (or `index` first) is
    // compared with the raw key in place; any other key is unescaped and looked up.
    const char* raw = field.key().raw();
    std::string_view key;
    int idx = -1;
    if (expect < fields.size() && fields[expect].key.Matches(raw)) {
      idx = static_cast<int>(expect);
      key = fields[expect].name;
    } else if (kIndexKey.Matches(raw)) {
      key = "index";
    } else {
      if (auto err = field.unescaped_key().get(key); err)
        return Fail("", std::string("invalid JSON: ") + simdjson::error_message(err));
      if (key != "index") idx = SlotOf(fields, key);
    }
    od::value& v = field.value();
    if (idx < 0 && key == "index") {
      has_index = true;
      index_error = DecodeValue(SlotType::kInt, v, index_slot);
      expect = 1;
      continue;
    }
    if (idx < 0) continue;  // unknown field: skipped by the iterator
    expect = static_cast<size_t>(idx) + 1;
    if (idx == 0) has_ind = true;
    if (const char* why = DecodeValue(fields[static_cast<size_t>(idx)].type, v, slots[idx]))
      return Fail(key, why);
  }
  // current_location() fails (OUT_OF_BOUNDS) exactly when nothing follows the object.
  const char* rest = nullptr;
  if (!doc.current_location().get(rest)) return Fail("", "invalid JSON: trailing content");
  if (!has_ind && has_index) {
    if (index_error) return Fail("index", index_error);
    slots[0] = index_slot;
  }
  if (!slots[0].valid) return Fail("", "missing ind");
  return true;
}

RawDecoder::RawDecoder() : impl_(std::make_unique<Impl>()) {}
RawDecoder::~RawDecoder() = default;

void RawDecoder::DecodePadded(RawKind kind, const char* data, size_t size, size_t capacity,
                              RawTables* out) {
  const auto fields = FieldsOf(kind);
  size_t pos = 0;
  while (pos < size) {
    const void* nl = std::memchr(data + pos, '\n', size - pos);
    const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data) : size;
    size_t len = end - pos;
    if (len > 0 && data[pos + len - 1] == '\r') --len;
    const std::string_view line(data + pos, len);
    if (!IsBlank(line)) {
      ++records_;
      if (impl_->DecodeOne(fields, data + pos, len, capacity - pos)) {
        switch (kind) {
          case RawKind::kPin:
            CommitPin(impl_->slots, out->pin);
            break;
          case RawKind::kGeo:
            CommitGeo(impl_->slots, out->geo);
            break;
          case RawKind::kUser:
            CommitUser(impl_->slots, out->user);
            break;
        }
      } else {
        out->quarantine.Add(kind, impl_->reason, line);
      }
    }
    pos = end + 1;
  }
}

void RawDecoder::Decode(RawKind kind, std::string_view ndjson, RawTables* out) {
  // Copy through a small padded window (whole lines, ~4 MiB at a time) rather than the
  // whole object: no page faults for a second full-size buffer, and the copy stays in cache.
  constexpr size_t kWindow = 4u << 20;
  std::string& buf = impl_->padded;
  size_t pos = 0;
  while (pos < ndjson.size()) {
    size_t end = std::min(ndjson.size(), pos + kWindow);
    if (end < ndjson.size()) {
      const size_t nl = ndjson.find('\n', end - 1);
      end = nl == std::string_view::npos ? ndjson.size() : nl + 1;
    }
    const size_t n = end - pos;
    if (buf.size() < n + simdjson::SIMDJSON_PADDING) buf.resize(n + simdjson::SIMDJSON_PADDING);
    std::memcpy(buf.data(), ndjson.data() + pos, n);
    DecodePadded(kind, buf.data(), n, buf.size(), out);
    pos = end;
  }
  if (buf.capacity() > (64u << 20)) std::string().swap(buf);  // don't pin a huge line's copy
}

static_assert(RawDecoder::kPadding >= simdjson::SIMDJSON_PADDING);

void RawDecoder::DecodeInPlace(RawKind kind, std::string* ndjson, RawTables* out) {
  const size_t size = ndjson->size();
  ndjson->resize(size + kPadding);
  DecodePadded(kind, ndjson->data(), size, ndjson->size(), out);
  ndjson->resize(size);
}

void RawDecoder::DecodeRecord(RawKind kind, std::string_view json, RawTables* out) {
  // A record is one JSON value even if it spans lines.
  std::string& buf = impl_->padded;
  buf.resize(json.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(buf.data(), json.data(), json.size());
  ++records_;
  if (impl_->DecodeOne(FieldsOf(kind), buf.data(), json.size(), buf.size())) {
    switch (kind) {
      case RawKind::kPin:
        CommitPin(impl_->slots, out->pin);
        break;
      case RawKind::kGeo:
        CommitGeo(impl_->slots, out->geo);
        break;
      case RawKind::kUser:
        CommitUser(impl_->slots, out->user);
        break;
    }
  } else {
    out->quarantine.Add(kind, impl_->reason, json);
  }
}

}  // namespace pinpipe::pinterest
