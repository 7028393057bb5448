// SourceDb: the source database of the original pipeline (three tables, domain.md §1),
// behind one interface with a SQLite and a MySQL/MariaDB implementation. Writers use
// the bulk path (transactions, prepared statements / multi-row inserts); the emulator
// reads row r of each table.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "emulator/db_url.h"
#include "emulator/source_schema.h"

namespace pinpipe::emulator {

class SourceDb {
 public:
  virtual ~SourceDb() = default;

  // "sqlite:///x/source.db" / "mysql://user:***@host:3306/db", for messages.
  virtual std::string Describe() const = 0;

  // Drops (if present) and creates the three tables.
  virtual Status CreateTables() = 0;
  // Fails with a clear message naming the missing table(s).
  virtual Status CheckTables() = 0;

  // Bulk loading: BeginBulk, any number of Insert, then EndBulk (which commits).
  virtual Status BeginBulk() = 0;
  virtual Status Insert(TableId table, const Row& row) = 0;
  virtual Status EndBulk() = 0;

  // Reads the row whose key (index/ind) is `key` into `row` (sized by MakeRow). Returns
  // false if there is no such row; an error (kCorruption) if a stored value does not fit
  // its column's type.
  virtual Result<bool> ReadRow(TableId table, int64_t key, Row* row) = 0;

  // Row count and largest key of a table (-1 when empty).
  virtual Result<int64_t> CountRows(TableId table) = 0;
  virtual Result<int64_t> MaxKey(TableId table) = 0;
};

// Opens a database from a URL. `create`: a SQLite file (and its directory) may be created.
Result<std::unique_ptr<SourceDb>> OpenSourceDb(std::string_view url, bool create);

Result<std::unique_ptr<SourceDb>> OpenSqliteSourceDb(const DbUrl& url, bool create);
Result<std::unique_ptr<SourceDb>> OpenMysqlSourceDb(const DbUrl& url);

}  // namespace pinpipe::emulator
