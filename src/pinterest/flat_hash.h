// Open-addressing hash containers for the analytics' hot loops: linear probing over flat
// arrays, no node allocation per insert. FlatMap64 maps a uint64 key (a packed group key or
// a join key) to a value; HashBytes hashes strings for StringDict.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace pinpipe::pinterest {

inline uint64_t MixHash64(uint64_t x) {
  const unsigned __int128 p = static_cast<unsigned __int128>(x ^ 0x9e3779b97f4a7c15ull) *
                              0xd6e8feb86659fd93ull;
  return static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
}

uint64_t HashBytes(std::string_view s);

template <typename V>
class FlatMap64 {
 public:
  explicit FlatMap64(size_t expected = 16) { Init(std::bit_ceil(std::max<size_t>(16, expected * 2))); }

  // The value of `key`, default-constructed on first use.
  V& operator[](uint64_t key) {
    if ((size_ + 1) * 2 > used_.size()) Grow();
    size_t i = MixHash64(key) & mask_;
    while (used_[i]) {
      if (keys_[i] == key) return values_[i];
      i = (i + 1) & mask_;
    }
    used_[i] = 1;
    keys_[i] = key;
    values_[i] = V{};
    ++size_;
    return values_[i];
  }
  const V* Find(uint64_t key) const {
    size_t i = MixHash64(key) & mask_;
    while (used_[i]) {
      if (keys_[i] == key) return &values_[i];
      i = (i + 1) & mask_;
    }
    return nullptr;
  }
  size_t size() const { return size_; }
  // Calls f(key, value) for every entry (unordered).
  template <typename F>
  void ForEach(F&& f) const {
    for (size_t i = 0; i < used_.size(); ++i)
      if (used_[i]) f(keys_[i], values_[i]);
  }

 private:
  void Init(size_t n) {
    keys_.assign(n, 0);
    values_.assign(n, V{});
    used_.assign(n, 0);
    mask_ = n - 1;
  }
  void Grow() {
    std::vector<uint64_t> k = std::move(keys_);
    std::vector<V> v = std::move(values_);
    std::vector<uint8_t> u = std::move(used_);
    Init(u.size() * 2);
    size_ = 0;
    for (size_t i = 0; i < u.size(); ++i)
      if (u[i]) (*this)[k[i]] = std::move(v[i]);
  }

  std::vector<uint64_t> keys_;
  std::vector<V> values_;
  std::vector<uint8_t> used_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace pinpipe::pinterest
