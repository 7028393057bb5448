#include "emulator/source_db.h"

namespace pinpipe::emulator {

Result<std::unique_ptr<SourceDb>> OpenSourceDb(std::string_view url, bool create) {
  PINPIPE_ASSIGN_OR_RETURN(DbUrl parsed, ParseDbUrl(url));
  if (parsed.kind == DbUrl::Kind::kSqlite) return OpenSqliteSourceDb(parsed, create);
  return OpenMysqlSourceDb(parsed);
}

}  // namespace pinpipe::emulator
