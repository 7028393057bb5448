// TLS on a non-blocking socket (OpenSSL's libssl; TLS 1.2 and 1.3). TlsContext holds one
// certificate chain and key (PEM files) for a listener; TlsStream is one accepted
// connection's session, SSL on the fd itself. Read and Write behave like read(2) and send(2)
// on a non-blocking socket — >0 bytes, 0 at the peer's close, -1 with errno EAGAIN when the
// socket is not ready — so a connection keeps one read loop and one write loop and branches
// once per call. The handshake happens inside the first reads. TLS may need the other
// direction than the call's (a read that must write a handshake record, a write that waits
// for a read): wants_write() / wants_read() say so after an EAGAIN, and the caller retries
// the call when the socket becomes ready that way.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "common/status.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace pinpipe::net {

class TlsContext {
 public:
  // Loads the chain and key and checks that they match. Errors name the file.
  static Result<std::shared_ptr<TlsContext>> Server(const std::string& cert_file, const std::string& key_file);
  ~TlsContext();
  SSL_CTX* ctx() const { return ctx_; }

 private:
  TlsContext() = default;
  SSL_CTX* ctx_ = nullptr;
};

class TlsStream {
 public:
  // The server side of a connection on `fd` (non-blocking; the caller keeps owning it).
  static std::unique_ptr<TlsStream> Accept(std::shared_ptr<TlsContext> ctx, int fd);
  ~TlsStream();

  ssize_t Read(char* buf, size_t n);
  ssize_t Write(const char* buf, size_t n);
  // After an EAGAIN: the call needs the socket writable (readable) before it can go on.
  bool read_wants_write() const { return read_wants_write_; }
  bool write_wants_read() const { return write_wants_read_; }
  // OpenSSL's reason for the last failure (a failed handshake), for the log.
  const std::string& error() const { return error_; }

 private:
  TlsStream() = default;
  ssize_t Result(int ret, bool reading);
  std::shared_ptr<TlsContext> ctx_;
  SSL* ssl_ = nullptr;
  bool read_wants_write_ = false;
  bool write_wants_read_ = false;
  std::string error_;
};

}  // namespace pinpipe::net
