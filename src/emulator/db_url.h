// Source database URLs: sqlite:///abs/path.db (or a bare path) and
// mysql://user[:password]@host[:port]/db[?socket=/path] (mariadb:// is accepted too).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace pinpipe::emulator {

struct DbUrl {
  enum class Kind { kSqlite, kMysql } kind = Kind::kSqlite;
  std::string path;  // sqlite file
  std::string user, password, host = "localhost", database, socket;
  int port = 3306;

  // The URL with the password masked, for messages.
  std::string Redacted() const;
};

Result<DbUrl> ParseDbUrl(std::string_view url);

// <data_dir>/source.db as a sqlite URL.
std::string DefaultDbUrl(std::string_view data_dir);

}  // namespace pinpipe::emulator
