#include "lake/parquet_io.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pinpipe::lake {

namespace {

class FileSink final : public OutputSink {
 public:
  FileSink(int fd, std::string path) : fd_(fd), path_(std::move(path)) { buf_.reserve(kBuf); }
  ~FileSink() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Append(std::string_view bytes) override {
    if (bytes.size() >= kBuf) {
      PINPIPE_RETURN_IF_ERROR(Flush());
      return WriteAll(bytes.data(), bytes.size());
    }
    if (buf_.size() + bytes.size() > kBuf) PINPIPE_RETURN_IF_ERROR(Flush());
    buf_.append(bytes);
    return OkStatus();
  }
  Status Close() override {
    PINPIPE_RETURN_IF_ERROR(Flush());
    if (::fsync(fd_) != 0) return ErrnoError("fsync", path_, errno);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return ErrnoError("close", path_, errno);
    return OkStatus();
  }

 private:
  static constexpr size_t kBuf = 1 << 20;
  Status Flush() {
    PINPIPE_RETURN_IF_ERROR(WriteAll(buf_.data(), buf_.size()));
    buf_.clear();
    return OkStatus();
  }
  Status WriteAll(const char* p, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("write", path_, errno);
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return OkStatus();
  }
  int fd_;
  std::string path_;
  std::string buf_;
};

class StringSink final : public OutputSink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  Status Append(std::string_view bytes) override {
    out_->append(bytes);
    return OkStatus();
  }
  Status Close() override { return OkStatus(); }

 private:
  std::string* out_;
};

class FileSource final : public InputSource {
 public:
  FileSource(int fd, uint64_t size, std::string path) : fd_(fd), size_(size), path_(std::move(path)) {}
  ~FileSource() override { ::close(fd_); }
  uint64_t size() const override { return size_; }
  Status ReadAt(uint64_t offset, size_t n, std::string* out) const override {
    if (offset > size_ || n > size_ - offset)
      return MakeError(ErrorCode::kCorruption, path_ + ": read past end of file");
    out->resize(n);
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, out->data() + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("pread", path_, errno);
      }
      if (r == 0) return MakeError(ErrorCode::kCorruption, path_ + ": file shrank while reading");
      done += static_cast<size_t>(r);
    }
    return OkStatus();
  }

 private:
  int fd_;
  uint64_t size_;
  std::string path_;
};

class StringSource final : public InputSource {
 public:
  explicit StringSource(std::string bytes) : bytes_(std::move(bytes)) {}
  uint64_t size() const override { return bytes_.size(); }
  Status ReadAt(uint64_t offset, size_t n, std::string* out) const override {
    if (offset > bytes_.size() || n > bytes_.size() - offset)
      return MakeError(ErrorCode::kCorruption, "read past end of buffer");
    out->assign(bytes_, offset, n);
    return OkStatus();
  }

 private:
  std::string bytes_;
};

}  // namespace

Result<std::unique_ptr<OutputSink>> OpenFileSink(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("open", path, errno);
  return std::make_unique<FileSink>(fd, path);
}

std::unique_ptr<OutputSink> MemorySink(std::string* out) { return std::make_unique<StringSink>(out); }

Result<std::unique_ptr<InputSource>> OpenFileSource(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return ErrnoError("fstat", path, e);
  }
  return std::make_unique<FileSource>(fd, static_cast<uint64_t>(st.st_size), path);
}

std::unique_ptr<InputSource> MemorySource(std::string bytes) {
  return std::make_unique<StringSource>(std::move(bytes));
}

}  // namespace pinpipe::lake
