// SQLite implementation of SourceDb. Datetimes are stored as TEXT "YYYY-MM-DD HH:MM:SS"
// (SQLite has no datetime type; this is what Python's sqlite3 adapter writes too).
#include <sqlite3.h>

#include <array>
#include <filesystem>
#include <string>

#include "emulator/source_db.h"

namespace pinpipe::emulator {
namespace {

std::string Quote(std::string_view ident) { return "\"" + std::string(ident) + "\""; }

const char* SqlType(ColumnType t) {
  switch (t) {
    case ColumnType::kInt: return "INTEGER";
    case ColumnType::kDouble: return "REAL";
    case ColumnType::kText: return "TEXT";
    case ColumnType::kDateTime: return "DATETIME";
  }
  return "TEXT";
}

std::string ColumnList(const TableSchema& s) {
  std::string out;
  for (size_t i = 0; i < s.columns.size(); ++i) {
    if (i) out += ", ";
    out += Quote(s.columns[i].name);
  }
  return out;
}

class SqliteSourceDb final : public SourceDb {
 public:
  SqliteSourceDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteSourceDb() override {
    Finalize();
    sqlite3_close_v2(db_);
  }

  std::string Describe() const override { return "sqlite://" + path_; }

  Status CreateTables() override {
    Finalize();
    for (TableId t : kAllTables) {
      const TableSchema& s = Schema(t);
      std::string sql = "DROP TABLE IF EXISTS " + Quote(s.name) + "; CREATE TABLE " +
                        Quote(s.name) + " (";
      for (size_t i = 0; i < s.columns.size(); ++i) {
        if (i) sql += ", ";
        sql += Quote(s.columns[i].name) + " " + SqlType(s.columns[i].type);
        if (i == 0) sql += " PRIMARY KEY";
      }
      sql += ")";
      PINPIPE_RETURN_IF_ERROR(Exec(sql));
    }
    return OkStatus();
  }

  Status CheckTables() override {
    std::string missing;
    for (TableId t : kAllTables) {
      const std::string name(Schema(t).name);
      sqlite3_stmt* st = nullptr;
      sqlite3_prepare_v2(db_, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", -1,
                         &st, nullptr);
      sqlite3_bind_text(st, 1, name.c_str(), -1, SQLITE_TRANSIENT);
      const bool found = sqlite3_step(st) == SQLITE_ROW;
      sqlite3_finalize(st);
      if (!found) missing += (missing.empty() ? "" : ", ") + name;
    }
    if (!missing.empty()) {
      return MakeError(ErrorCode::kNotFound,
                       "database " + Describe() + " has no table " + missing +
                           "; create it with `pinpipe db init --db " + Describe() +
                           "` or `pinpipe db load`");
    }
    return OkStatus();
  }

  Status BeginBulk() override {
    // A bulk load is all-or-nothing for the user (they rerun it), so trade durability for
    // speed: no fsync, rollback journal in memory, a large page cache.
    PINPIPE_RETURN_IF_ERROR(Exec("PRAGMA synchronous=OFF"));
    PINPIPE_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=MEMORY"));
    PINPIPE_RETURN_IF_ERROR(Exec("PRAGMA cache_size=-262144"));
    PINPIPE_RETURN_IF_ERROR(Exec("BEGIN"));
    in_bulk_ = true;
    pending_ = 0;
    return OkStatus();
  }

  Status Insert(TableId table, const Row& row) override {
    const TableSchema& s = Schema(table);
    sqlite3_stmt*& st = insert_[static_cast<int>(table)];
    if (!st) {
      std::string sql = "INSERT OR REPLACE INTO " + Quote(s.name) + " (" + ColumnList(s) +
                        ") VALUES (";
      for (size_t i = 0; i < s.columns.size(); ++i) sql += i ? ",?" : "?";
      sql += ")";
      PINPIPE_RETURN_IF_ERROR(Prepare(sql, &st));
    }
    for (size_t i = 0; i < s.columns.size(); ++i) {
      const Cell& c = row[i];
      const int idx = static_cast<int>(i) + 1;
      if (c.null) {
        sqlite3_bind_null(st, idx);
        continue;
      }
      switch (s.columns[i].type) {
        case ColumnType::kInt: sqlite3_bind_int64(st, idx, c.i); break;
        case ColumnType::kDouble: sqlite3_bind_double(st, idx, c.d); break;
        case ColumnType::kText:
        case ColumnType::kDateTime:
          sqlite3_bind_text(st, idx, c.s.data(), static_cast<int>(c.s.size()), SQLITE_STATIC);
          break;
      }
    }
    const int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return SqlError("insert into " + std::string(s.name));
    // Commit in chunks so a 10M-row load does not hold one giant transaction.
    if (in_bulk_ && ++pending_ >= 3000000) {
      PINPIPE_RETURN_IF_ERROR(Exec("COMMIT"));
      PINPIPE_RETURN_IF_ERROR(Exec("BEGIN"));
      pending_ = 0;
    }
    return OkStatus();
  }

  Status EndBulk() override {
    if (!in_bulk_) return OkStatus();
    in_bulk_ = false;
    PINPIPE_RETURN_IF_ERROR(Exec("COMMIT"));
    PINPIPE_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=DELETE"));
    return Exec("PRAGMA synchronous=FULL");
  }

  Result<bool> ReadRow(TableId table, int64_t key, Row* row) override {
    const TableSchema& s = Schema(table);
    sqlite3_stmt*& st = select_[static_cast<int>(table)];
    if (!st) {
      PINPIPE_RETURN_IF_ERROR(Prepare("SELECT " + ColumnList(s) + " FROM " + Quote(s.name) +
                                          " WHERE " + Quote(s.columns[0].name) + " = ?",
                                      &st));
    }
    if (row->size() != s.columns.size()) row->resize(s.columns.size());
    sqlite3_bind_int64(st, 1, key);
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
      sqlite3_reset(st);
      return false;
    }
    if (rc != SQLITE_ROW) {
      sqlite3_reset(st);
      return SqlError("read " + std::string(s.name));
    }
    Status status = OkStatus();
    for (size_t i = 0; i < s.columns.size() && status; ++i) {
      status = ReadCell(st, static_cast<int>(i), s.columns[i].type, &(*row)[i]);
      if (!status) {
        status = MakeError(ErrorCode::kCorruption,
                           std::string(s.name) + " row " + std::to_string(key) + ": column " +
                               std::string(s.columns[i].name) + ": " + status.error().message());
      }
    }
    sqlite3_reset(st);
    if (!status) return std::unexpected(status.error());
    return true;
  }

  Result<int64_t> CountRows(TableId table) override {
    return ScalarInt("SELECT COUNT(*) FROM " + Quote(Schema(table).name));
  }
  Result<int64_t> MaxKey(TableId table) override {
    const TableSchema& s = Schema(table);
    return ScalarInt("SELECT COALESCE(MAX(" + Quote(s.columns[0].name) + "), -1) FROM " +
                     Quote(s.name));
  }

 private:
  static Status ReadCell(sqlite3_stmt* st, int i, ColumnType type, Cell* cell) {
    const int t = sqlite3_column_type(st, i);
    if (t == SQLITE_NULL) {
      cell->SetNull();
      return OkStatus();
    }
    if (t == SQLITE_INTEGER && (type == ColumnType::kInt || type == ColumnType::kDouble)) {
      const int64_t v = sqlite3_column_int64(st, i);
      type == ColumnType::kInt ? cell->SetInt(v) : cell->SetDouble(static_cast<double>(v));
      return OkStatus();
    }
    if (t == SQLITE_FLOAT && type == ColumnType::kDouble) {
      cell->SetDouble(sqlite3_column_double(st, i));
      return OkStatus();
    }
    // Text (or a number where text is expected): convert through the text form.
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
    const int n = sqlite3_column_bytes(st, i);
    return CellFromText(type, std::string_view(p ? p : "", n), cell);
  }

  Result<int64_t> ScalarInt(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    PINPIPE_RETURN_IF_ERROR(Prepare(sql, &st));
    const int rc = sqlite3_step(st);
    int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) return SqlError(sql);
    return v;
  }

  Status Prepare(const std::string& sql, sqlite3_stmt** st) {
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, st, nullptr) != SQLITE_OK) {
      *st = nullptr;
      return SqlError(sql);
    }
    return OkStatus();
  }

  Status Exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return MakeError(ErrorCode::kIoError, Describe() + ": " + msg);
    }
    return OkStatus();
  }

  std::unexpected<Error> SqlError(const std::string& what) const {
    std::string msg = sqlite3_errmsg(db_);
    ErrorCode code = ErrorCode::kIoError;
    if (msg.find("no such table") != std::string::npos) {
      code = ErrorCode::kNotFound;
      msg += " (create the tables with `pinpipe db init` or `pinpipe db load`)";
    }
    return MakeError(code, Describe() + ": " + what + ": " + msg);
  }

  void Finalize() {
    for (auto* st : insert_) sqlite3_finalize(st);
    for (auto* st : select_) sqlite3_finalize(st);
    insert_ = {};
    select_ = {};
  }

  sqlite3* db_;
  std::string path_;
  std::array<sqlite3_stmt*, 3> insert_{};
  std::array<sqlite3_stmt*, 3> select_{};
  bool in_bulk_ = false;
  int64_t pending_ = 0;
};

}  // namespace

Result<std::unique_ptr<SourceDb>> OpenSqliteSourceDb(const DbUrl& url, bool create) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!create && !fs::exists(url.path, ec)) {
    return MakeError(ErrorCode::kNotFound, "database file " + url.path +
                                               " does not exist; create it with `pinpipe db "
                                               "init --db sqlite://" + url.path + "`");
  }
  if (create) {
    const fs::path parent = fs::path(url.path).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
  }
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
                    SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(url.path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return MakeError(ErrorCode::kIoError, "cannot open SQLite database " + url.path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 10000);
  return std::unique_ptr<SourceDb>(std::make_unique<SqliteSourceDb>(db, url.path));
}

}  // namespace pinpipe::emulator
