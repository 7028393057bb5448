#include "emulator/db_url.h"

#include <charconv>

namespace pinpipe::emulator {
namespace {

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (r.ptr == s.data() + i + 3) {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::unexpected<Error> BadUrl(std::string_view url, std::string_view why) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "bad database URL '" + std::string(url) + "': " + std::string(why) +
                       " (expected sqlite:///path/to/file.db or "
                       "mysql://user:password@host:port/database)");
}

}  // namespace

std::string DbUrl::Redacted() const {
  if (kind == Kind::kSqlite) return "sqlite://" + path;
  std::string s = "mysql://" + user;
  if (!password.empty()) s += ":***";
  s += "@" + host;
  if (socket.empty()) s += ":" + std::to_string(port);
  s += "/" + database;
  if (!socket.empty()) s += "?socket=" + socket;
  return s;
}

std::string DefaultDbUrl(std::string_view data_dir) {
  std::string dir(data_dir);
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return "sqlite://" + dir + "/source.db";
}

Result<DbUrl> ParseDbUrl(std::string_view url) {
  DbUrl out;
  if (url.empty()) return BadUrl(url, "empty");
  const size_t colon = url.find("://");
  if (colon == std::string_view::npos) {
    // A bare path is a SQLite file.
    out.kind = DbUrl::Kind::kSqlite;
    out.path = std::string(url);
    return out;
  }
  const std::string_view scheme = url.substr(0, colon);
  std::string_view rest = url.substr(colon + 3);
  if (scheme == "sqlite") {
    if (rest.empty()) return BadUrl(url, "no file path");
    out.kind = DbUrl::Kind::kSqlite;
    out.path = std::string(rest);  // sqlite:///abs -> /abs, sqlite://rel -> rel
    return out;
  }
  if (scheme != "mysql" && scheme != "mariadb" && scheme != "mysql+pymysql") {
    return BadUrl(url, "unknown scheme '" + std::string(scheme) + "'");
  }
  out.kind = DbUrl::Kind::kMysql;
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 >= rest.size()) {
    return BadUrl(url, "no database name");
  }
  out.database = PercentDecode(rest.substr(slash + 1));
  std::string_view authority = rest.substr(0, slash);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (size_t c = userinfo.find(':'); c != std::string_view::npos) {
      out.user = PercentDecode(userinfo.substr(0, c));
      out.password = PercentDecode(userinfo.substr(c + 1));
    } else {
      out.user = PercentDecode(userinfo);
    }
  }
  if (size_t c = authority.rfind(':'); c != std::string_view::npos) {
    std::string_view p = authority.substr(c + 1);
    int port = 0;
    auto r = std::from_chars(p.data(), p.data() + p.size(), port);
    if (r.ec != std::errc() || r.ptr != p.data() + p.size() || port <= 0 || port > 65535) {
      return BadUrl(url, "bad port '" + std::string(p) + "'");
    }
    out.port = port;
    authority = authority.substr(0, c);
  }
  if (!authority.empty()) out.host = PercentDecode(authority);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = kv.find('=');
    std::string_view k = kv.substr(0, eq);
    std::string v = eq == std::string_view::npos ? "" : PercentDecode(kv.substr(eq + 1));
    if (k == "socket" || k == "unix_socket") {
      out.socket = v;
    } else if (k == "charset") {
      // utf8mb4 is always used.
    } else {
      return BadUrl(url, "unknown parameter '" + std::string(k) + "'");
    }
  }
  return out;
}

}  // namespace pinpipe::emulator
