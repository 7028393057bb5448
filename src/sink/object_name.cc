#include "sink/object_name.h"

#include <charconv>

namespace pinpipe::sink {

namespace {
void AppendInt(std::string& out, int64_t v, int pad) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  size_t len = static_cast<size_t>(r.ptr - buf);
  if (v >= 0 && static_cast<int>(len) < pad) out.append(static_cast<size_t>(pad) - len, '0');
  out.append(buf, len);
}
}  // namespace

void ObjectKey(std::string_view topics_dir, std::string_view topic, int32_t partition,
               int64_t start_offset, int pad_width, std::string_view extension,
               std::string& out) {
  // The default layout is the time-based one with "partition=<p>" as the encoded partition.
  std::string encoded = "partition=";
  AppendInt(encoded, partition, 0);
  TimeBasedObjectKey(topics_dir, topic, encoded, partition, start_offset, pad_width, extension, out);
}

void TimeBasedObjectKey(std::string_view topics_dir, std::string_view topic,
                        std::string_view encoded, int32_t partition, int64_t start_offset,
                        int pad_width, std::string_view extension, std::string& out) {
  out.clear();
  if (!topics_dir.empty()) {
    out += topics_dir;
    out += '/';
  }
  out += topic;
  out += '/';
  out += encoded;
  out += '/';
  out += topic;
  out += '+';
  AppendInt(out, partition, 0);
  out += '+';
  AppendInt(out, start_offset, pad_width);
  out += extension;
}

std::string PartitionPrefix(std::string_view topics_dir, std::string_view topic,
                            int32_t partition) {
  std::string out;
  if (!topics_dir.empty()) {
    out += topics_dir;
    out += '/';
  }
  out += topic;
  out += "/partition=";
  AppendInt(out, partition, 0);
  out += '/';
  return out;
}

}  // namespace pinpipe::sink
