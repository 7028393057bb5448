#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>

namespace pinpipe::net {
namespace {

std::string OpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

}  // namespace

Result<std::shared_ptr<TlsContext>> TlsContext::Server(const std::string& cert_file, const std::string& key_file) {
  std::shared_ptr<TlsContext> c(new TlsContext());
  ERR_clear_error();
  c->ctx_ = SSL_CTX_new(TLS_server_method());
  if (c->ctx_ == nullptr) return MakeError(ErrorCode::kInternal, "SSL_CTX_new: " + OpenSslErrors());
  SSL_CTX_set_min_proto_version(c->ctx_, TLS1_2_VERSION);
  // No renegotiation (a write would then wait for reads mid-stream); partial writes and a
  // moving buffer let Write take what the socket takes from a growing output string.
  SSL_CTX_set_options(c->ctx_, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                   SSL_OP_IGNORE_UNEXPECTED_EOF);  // a TCP close without close_notify is EOF
  SSL_CTX_set_mode(c->ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate_chain_file(c->ctx_, cert_file.c_str()) != 1) {
    return MakeError(ErrorCode::kInvalidArgument, "certificate " + cert_file + ": " + OpenSslErrors());
  }
  if (SSL_CTX_use_PrivateKey_file(c->ctx_, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return MakeError(ErrorCode::kInvalidArgument, "private key " + key_file + ": " + OpenSslErrors());
  }
  if (SSL_CTX_check_private_key(c->ctx_) != 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "private key " + key_file + " does not match certificate " + cert_file);
  }
  return c;
}

TlsContext::~TlsContext() {
  if (ctx_) SSL_CTX_free(ctx_);
}

std::unique_ptr<TlsStream> TlsStream::Accept(std::shared_ptr<TlsContext> ctx, int fd) {
  std::unique_ptr<TlsStream> s(new TlsStream());
  s->ssl_ = SSL_new(ctx->ctx());
  if (s->ssl_ == nullptr || SSL_set_fd(s->ssl_, fd) != 1) return nullptr;
  SSL_set_accept_state(s->ssl_);
  s->ctx_ = std::move(ctx);
  return s;
}

TlsStream::~TlsStream() {
  if (ssl_) SSL_free(ssl_);  // no close_notify: the socket is closed right after
}

ssize_t TlsStream::Result(int ret, bool reading) {
  if (ret > 0) return ret;
  const int err = SSL_get_error(ssl_, ret);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      if (!reading) write_wants_read_ = true;
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_WANT_WRITE:
      if (reading) read_wants_write_ = true;
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_ZERO_RETURN:
      return 0;  // close_notify: the peer's orderly close
    case SSL_ERROR_SYSCALL:
      if (errno == 0) errno = ECONNRESET;
      error_ = "socket error";
      ERR_clear_error();
      return -1;
    default:
      error_ = OpenSslErrors();
      errno = EPROTO;
      return -1;
  }
}

ssize_t TlsStream::Read(char* buf, size_t n) {
  read_wants_write_ = false;
  ERR_clear_error();
  return Result(SSL_read(ssl_, buf, static_cast<int>(n > (1u << 30) ? (1u << 30) : n)), true);
}

ssize_t TlsStream::Write(const char* buf, size_t n) {
  write_wants_read_ = false;
  ERR_clear_error();
  return Result(SSL_write(ssl_, buf, static_cast<int>(n > (1u << 30) ? (1u << 30) : n)), false);
}

}  // namespace pinpipe::net
