// libFuzzer target: what an unauthenticated client can send a SASL listener. The first byte
// picks the handshake version and mechanism (or a mechanism name from the input), the rest is
// cut at 0xff bytes into SaslAuthenticate bodies (versions 0-2) or, after a v0 handshake, bare
// tokens — PLAIN messages and SCRAM client-first/final messages in any state. Any input must
// yield an answer or a close, never a crash; only the configured password may authenticate.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "kafka/sasl_session.h"
#include "kafka/wire.h"

namespace {

std::shared_ptr<const pinpipe::kafka::SaslUsers> Users() {
  using pinpipe::kafka::SaslMechanism;
  static auto users = [] {
    auto u = pinpipe::kafka::SaslUsers::Parse(
        "user:pencil", {SaslMechanism::kPlain, SaslMechanism::kScramSha256, SaslMechanism::kScramSha512});
    if (!u) std::abort();
    return *u;
  }();
  return users;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const uint8_t pick = data[0];
  in.remove_prefix(1);
  static constexpr const char* kNames[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI"};
  pinpipe::kafka::SaslSession s(Users());
  std::string body;
  pinpipe::kafka::Writer w(body);
  if (pick & 0x80) {
    const size_t cut = in.find('\xff');
    w.String(in.substr(0, cut), false);  // a mechanism name from the input
    in.remove_prefix(cut == std::string_view::npos ? in.size() : cut + 1);
  } else {
    w.String(kNames[pick & 3], false);
  }
  const int16_t handshake_version = (pick >> 2) & 1;
  auto a = s.Handshake(handshake_version, body);
  if (a.close_now || a.close_after) return 0;
  const int16_t version = static_cast<int16_t>(((pick >> 3) & 3) % 3);
  while (!in.empty()) {
    const size_t cut = in.find('\xff');
    std::string_view msg = in.substr(0, cut);
    in.remove_prefix(cut == std::string_view::npos ? in.size() : cut + 1);
    if (s.raw_tokens()) {
      a = s.RawToken(msg);
      if (a.close_now) return 0;
      continue;
    }
    if (s.authenticated()) break;
    // Half the time a well-formed SaslAuthenticate around the message, else the raw bytes.
    std::string req;
    if (pick & 0x20) {
      pinpipe::kafka::Writer rw(req);
      rw.Bytes(msg, version == 2);
      if (version == 2) rw.EmptyTaggedFields();
    } else {
      req.assign(msg);
    }
    a = s.Authenticate(version, version == 2, req);
    if (a.close_now || a.close_after) return 0;
  }
  // PLAIN authenticates only with the configured password in the input (SCRAM proofs are
  // derived from it, so there it cannot appear; the RFC vectors in the unit tests cover those).
  const bool plain = (pick & 0x80) == 0 && (pick & 3) == 0;
  if (plain && s.authenticated() &&
      std::string_view(reinterpret_cast<const char*>(data), size).find("pencil") == std::string_view::npos) {
    std::abort();
  }
  return 0;
}
