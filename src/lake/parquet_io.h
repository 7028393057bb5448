// Byte I/O seams for Parquet files: the writer appends to an OutputSink, the reader reads
// ranges from an InputSource. Local files and memory buffers here; object stores can plug in.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pinpipe::lake {

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  virtual Status Append(std::string_view bytes) = 0;
  virtual Status Close() = 0;  // flushes (and fsyncs files)
};

class InputSource {
 public:
  virtual ~InputSource() = default;
  virtual uint64_t size() const = 0;
  // Reads exactly n bytes at offset into *out (resized); short reads are errors.
  virtual Status ReadAt(uint64_t offset, size_t n, std::string* out) const = 0;
};

// Writes to a new local file (truncating), buffered.
Result<std::unique_ptr<OutputSink>> OpenFileSink(const std::string& path);
// Appends to a caller-owned string (tests, small files kept in memory).
std::unique_ptr<OutputSink> MemorySink(std::string* out);

Result<std::unique_ptr<InputSource>> OpenFileSource(const std::string& path);
// Reads from a buffer the source owns.
std::unique_ptr<InputSource> MemorySource(std::string bytes);

}  // namespace pinpipe::lake
