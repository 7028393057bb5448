// Object keys of Confluent's DefaultPartitioner (reference/protocols.md §4.1):
//   <topics.dir>/<topic>/partition=<p>/<topic>+<p>+<start offset, %0<pad>d><ext>
// topics.dir is dropped when empty; an offset wider than the pad prints all its digits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pinpipe::sink {

// Replaces `out` with the key (reuses its capacity: no allocation once warm).
void ObjectKey(std::string_view topics_dir, std::string_view topic, int32_t partition,
               int64_t start_offset, int pad_width, std::string_view extension,
               std::string& out);

// The key with a time-based encoded partition (time_partitioner.h):
//   <topics.dir>/<topic>/<encoded>/<topic>+<p>+<start offset, %0<pad>d><ext>
void TimeBasedObjectKey(std::string_view topics_dir, std::string_view topic,
                        std::string_view encoded, int32_t partition, int64_t start_offset,
                        int pad_width, std::string_view extension, std::string& out);

// The key prefix of one partition: "<topics.dir>/<topic>/partition=<p>/".
std::string PartitionPrefix(std::string_view topics_dir, std::string_view topic,
                            int32_t partition);

}  // namespace pinpipe::sink
