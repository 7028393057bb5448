// MySQL/MariaDB implementation of SourceDb through libmariadb. Bulk loads use multi-row
// INSERTs inside transactions (one round trip per ~1000 rows); reads use the text
// protocol and convert each value by its column's type.
#include <mysql.h>

#include <array>
#include <string>

#include "emulator/py_json.h"
#include "emulator/source_db.h"

namespace pinpipe::emulator {
namespace {

std::string Quote(std::string_view ident) { return "`" + std::string(ident) + "`"; }

const char* SqlType(ColumnType t) {
  switch (t) {
    case ColumnType::kInt: return "INT";
    case ColumnType::kDouble: return "DOUBLE";
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

constexpr size_t kMaxRowsPerInsert = 1000;
constexpr size_t kMaxInsertBytes = 4 << 20;
constexpr int64_t kRowsPerCommit = 200000;

class MysqlSourceDb final : public SourceDb {
 public:
  MysqlSourceDb(MYSQL* conn, DbUrl url) : conn_(conn), url_(std::move(url)) {}
  ~MysqlSourceDb() override { mysql_close(conn_); }

  std::string Describe() const override { return url_.Redacted(); }

  Status CreateTables() override {
    for (TableId t : kAllTables) {
      const TableSchema& s = Schema(t);
      PINPIPE_RETURN_IF_ERROR(Query("DROP TABLE IF EXISTS " + Quote(s.name)));
      std::string sql = "CREATE TABLE " + Quote(s.name) + " (";
      for (size_t i = 0; i < s.columns.size(); ++i) {
        if (i) sql += ", ";
        sql += Quote(s.columns[i].name) + " " + SqlType(s.columns[i].type);
        if (i == 0) sql += " NOT NULL PRIMARY KEY";
      }
      sql += ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
      PINPIPE_RETURN_IF_ERROR(Query(sql));
    }
    return OkStatus();
  }

  Status CheckTables() override {
    std::string missing;
    for (TableId t : kAllTables) {
      const std::string name(Schema(t).name);
      PINPIPE_ASSIGN_OR_RETURN(
          int64_t n, ScalarInt("SELECT COUNT(*) FROM information_schema.tables WHERE "
                               "table_schema = DATABASE() AND table_name = '" + name + "'"));
      if (n == 0) missing += (missing.empty() ? "" : ", ") + name;
    }
    if (!missing.empty()) {
      return MakeError(ErrorCode::kNotFound,
                       "database " + Describe() + " has no table " + missing +
                           "; create it with `pinpipe db init --db URL` or `pinpipe db load`");
    }
    return OkStatus();
  }

  Status BeginBulk() override {
    mysql_autocommit(conn_, 0);
    in_bulk_ = true;
    pending_ = 0;
    return OkStatus();
  }

  Status Insert(TableId table, const Row& row) override {
    const TableSchema& s = Schema(table);
    const int ti = static_cast<int>(table);
    std::string& buf = buffer_[ti];
    if (rows_[ti] == 0) {
      buf = "REPLACE INTO " + Quote(s.name) + " (" + ColumnList(s) + ") VALUES ";
    } else {
      buf.push_back(',');
    }
    buf.push_back('(');
    for (size_t i = 0; i < s.columns.size(); ++i) {
      if (i) buf.push_back(',');
      const Cell& c = row[i];
      if (c.null) {
        buf += "NULL";
        continue;
      }
      switch (s.columns[i].type) {
        case ColumnType::kInt: AppendInt(c.i, &buf); break;
        case ColumnType::kDouble: AppendPyFloat(c.d, &buf); break;
        case ColumnType::kText:
        case ColumnType::kDateTime: {
          buf.push_back('\'');
          const size_t at = buf.size();
          buf.resize(at + c.s.size() * 2 + 1);
          const unsigned long n =
              mysql_real_escape_string(conn_, buf.data() + at, c.s.data(), c.s.size());
          buf.resize(at + n);
          buf.push_back('\'');
          break;
        }
      }
    }
    buf.push_back(')');
    ++rows_[ti];
    if (rows_[ti] >= kMaxRowsPerInsert || buf.size() >= kMaxInsertBytes) {
      PINPIPE_RETURN_IF_ERROR(FlushTable(ti));
    }
    if (!in_bulk_) return FlushTable(ti);
    return OkStatus();
  }

  Status EndBulk() override {
    for (int t = 0; t < 3; ++t) PINPIPE_RETURN_IF_ERROR(FlushTable(t));
    if (in_bulk_) {
      in_bulk_ = false;
      if (mysql_commit(conn_)) return DbError("commit");
      mysql_autocommit(conn_, 1);
    }
    return OkStatus();
  }

  Result<bool> ReadRow(TableId table, int64_t key, Row* row) override {
    const TableSchema& s = Schema(table);
    std::string& sql = select_sql_[static_cast<int>(table)];
    if (sql.empty()) {
      sql = "SELECT " + ColumnList(s) + " FROM " + Quote(s.name) + " WHERE " +
            Quote(s.columns[0].name) + " = ";
    }
    std::string q = sql;
    AppendInt(key, &q);
    PINPIPE_RETURN_IF_ERROR(Query(q));
    MYSQL_RES* res = mysql_store_result(conn_);
    if (!res) return DbError("read " + std::string(s.name));
    MYSQL_ROW r = mysql_fetch_row(res);
    if (!r) {
      mysql_free_result(res);
      return false;
    }
    unsigned long* lengths = mysql_fetch_lengths(res);
    if (row->size() != s.columns.size()) row->resize(s.columns.size());
    Status status = OkStatus();
    for (size_t i = 0; i < s.columns.size() && status; ++i) {
      if (!r[i]) {
        (*row)[i].SetNull();
        continue;
      }
      status = CellFromText(s.columns[i].type, std::string_view(r[i], lengths[i]), &(*row)[i]);
      if (!status) {
        status = MakeError(ErrorCode::kCorruption,
                           std::string(s.name) + " row " + std::to_string(key) + ": column " +
                               std::string(s.columns[i].name) + ": " + status.error().message());
      }
    }
    mysql_free_result(res);
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
  Status FlushTable(int ti) {
    if (rows_[ti] == 0) return OkStatus();
    PINPIPE_RETURN_IF_ERROR(Query(buffer_[ti]));
    pending_ += static_cast<int64_t>(rows_[ti]);
    rows_[ti] = 0;
    buffer_[ti].clear();
    if (in_bulk_ && pending_ >= kRowsPerCommit) {
      if (mysql_commit(conn_)) return DbError("commit");
      pending_ = 0;
    }
    return OkStatus();
  }

  Result<int64_t> ScalarInt(const std::string& sql) {
    PINPIPE_RETURN_IF_ERROR(Query(sql));
    MYSQL_RES* res = mysql_store_result(conn_);
    if (!res) return DbError(sql);
    MYSQL_ROW r = mysql_fetch_row(res);
    int64_t v = (r && r[0]) ? std::stoll(r[0]) : 0;
    mysql_free_result(res);
    return v;
  }

  Status Query(const std::string& sql) {
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) {
      return DbError(sql.size() > 80 ? sql.substr(0, 80) + "..." : sql);
    }
    return OkStatus();
  }

  std::unexpected<Error> DbError(const std::string& what) const {
    const unsigned err = mysql_errno(conn_);
    std::string msg = mysql_error(conn_);
    ErrorCode code = ErrorCode::kIoError;
    if (err == 1146) {  // ER_NO_SUCH_TABLE
      code = ErrorCode::kNotFound;
      msg += " (create the tables with `pinpipe db init` or `pinpipe db load`)";
    }
    return MakeError(code, Describe() + ": " + what + ": " + msg);
  }

  MYSQL* conn_;
  DbUrl url_;
  std::array<std::string, 3> buffer_;
  std::array<size_t, 3> rows_{};
  std::array<std::string, 3> select_sql_;
  bool in_bulk_ = false;
  int64_t pending_ = 0;
};

}  // namespace

Result<std::unique_ptr<SourceDb>> OpenMysqlSourceDb(const DbUrl& url) {
  MYSQL* conn = mysql_init(nullptr);
  if (!conn) return MakeError(ErrorCode::kInternal, "mysql_init failed");
  unsigned int timeout = 5;
  mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!mysql_real_connect(conn, url.socket.empty() ? url.host.c_str() : "localhost",
                          url.user.empty() ? nullptr : url.user.c_str(),
                          url.password.empty() ? nullptr : url.password.c_str(),
                          url.database.c_str(), static_cast<unsigned>(url.port),
                          url.socket.empty() ? nullptr : url.socket.c_str(), 0)) {
    const unsigned err = mysql_errno(conn);
    std::string msg = mysql_error(conn);
    mysql_close(conn);
    const bool unreachable = err == 2002 || err == 2003 || err == 2005 || err == 2006;
    return MakeError(unreachable ? ErrorCode::kUnavailable : ErrorCode::kIoError,
                     "cannot connect to " + url.Redacted() + ": " + msg +
                         (unreachable ? " (is the MySQL/MariaDB server running?)" : ""));
  }
  return std::unique_ptr<SourceDb>(std::make_unique<MysqlSourceDb>(conn, url));
}

}  // namespace pinpipe::emulator
