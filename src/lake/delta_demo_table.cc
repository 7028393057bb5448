#include "lake/delta_demo_table.h"

#include <cmath>
#include <limits>

#include "lake/delta_data_file.h"
#include "lake/delta_rows.h"
#include "lake/delta_table.h"
#include "common/json_writer.h"

namespace pinpipe::lake {

namespace {

// Fills `batch` with rows [first, first + n) and appends their expected JSON to `json`.
void DemoRows(int64_t first, int n, ColumnBatch* batch, std::vector<std::string>* json) {
  static const char* kTitles[] = {"café au lait",
                                  "日本語のタイトル",
                                  "emoji 🎉 party",
                                  "plain",
                                  "a title that is definitely longer than thirty-two characters",
                                  "quote \" and backslash \\"};
  LeafData& ind = *batch->column("ind");
  LeafData& uid = *batch->column("unique_id");
  LeafData& title = *batch->column("title");
  LeafData& followers = *batch->column("follower_count");
  LeafData& downloaded = *batch->column("downloaded");
  LeafData& score = *batch->column("score");
  LeafData& valid = *batch->column("is_valid");
  LeafData& coords = *batch->column("coordinates");
  LeafData& ts = *batch->column("timestamp");
  std::string uid_buf;
  for (int64_t i = first; i < first + n; ++i) {
    JsonWriter w;
    w.BeginObject();
    int64_t ind_v = i == 7   ? std::numeric_limits<int64_t>::max()
                    : i == 8 ? std::numeric_limits<int64_t>::min()
                             : i * 1000003;
    ind.AppendInt64(ind_v);
    w.Field("ind", ind_v);
    if (i % 7 == 3) {
      uid.AppendNull();
      w.Key("unique_id").Null();
    } else {
      uid_buf = "uid-" + std::to_string(i);
      uid.AppendString(uid_buf);
      w.Field("unique_id", uid_buf);
    }
    if (i % 5 == 4) {
      title.AppendNull();
      w.Key("title").Null();
    } else {
      title.AppendString(kTitles[i % 6]);
      w.Field("title", kTitles[i % 6]);
    }
    int32_t f = i == 5   ? std::numeric_limits<int32_t>::min()
                : i == 6 ? std::numeric_limits<int32_t>::max()
                         : static_cast<int32_t>((i * 13) % 100000);
    followers.AppendInt32(f);
    w.Field("follower_count", f);
    if (i % 11 == 10) {
      downloaded.AppendNull();
      w.Key("downloaded").Null();
    } else {
      downloaded.AppendInt32(static_cast<int32_t>(i % 2));
      w.Field("downloaded", static_cast<int>(i % 2));
    }
    double s = i == 9 ? std::nan("") : i == 10 ? -0.0 : static_cast<double>(i) * 0.25 - 3.5;
    score.AppendDouble(s);
    w.Key("score");
    if (std::isnan(s)) {
      w.String("NaN");
    } else {
      w.Double(s);
    }
    valid.AppendBool(i % 3 == 0);
    w.Field("is_valid", i % 3 == 0);
    w.Key("coordinates");
    if (i % 9 == 8) {
      coords.AppendNullList();
      w.Null();
    } else if (i % 6 == 5) {
      coords.AppendEmptyList();
      w.BeginArray().EndArray();
    } else {
      double lat = -90.0 + static_cast<double>(i % 181),
             lon = 180.0 - static_cast<double>(i % 361) * 0.5;
      double values[2] = {lat, lon};
      bool present[2] = {true, i % 10 != 0};
      coords.AppendDoubleList(values, present);
      w.BeginArray().Double(lat);
      if (present[1]) {
        w.Double(lon);
      } else {
        w.Null();
      }
      w.EndArray();
    }
    int64_t t = -86400000000LL + i * 3600000000LL + 123457 * (i % 3);
    if (i % 13 == 12) {
      ts.AppendNull();
      w.Key("timestamp").Null();
    } else {
      ts.AppendInt64(t);
      w.Field("timestamp", FormatTimestampMicrosUtc(t));
    }
    w.EndObject();
    json->push_back(w.Take());
  }
}

}  // namespace

DeltaSchema DemoTableSchema() {
  return DeltaType::Struct({
      {"ind", DeltaType::Primitive("long")},
      {"unique_id", DeltaType::Primitive("string")},
      {"title", DeltaType::Primitive("string")},
      {"follower_count", DeltaType::Primitive("integer")},
      {"downloaded", DeltaType::Primitive("integer")},
      {"score", DeltaType::Primitive("double")},
      {"is_valid", DeltaType::Primitive("boolean")},
      {"coordinates", DeltaType::Array(DeltaType::Primitive("double"))},
      {"timestamp", DeltaType::Primitive("timestamp")},
  });
}

Result<DemoTable> WriteDemoTable(const std::string& dir, int appends, int rows_per_file) {
  DemoTable out;
  auto table = DeltaTable::OpenLocal(dir);
  PINPIPE_ASSIGN_OR_RETURN(auto created, table.Create(DemoTableSchema(), {}, "demo"));
  PINPIPE_ASSIGN_OR_RETURN(Schema schema, ParquetSchemaForDelta(DemoTableSchema()));
  ColumnBatch batch(schema);
  int64_t next = 0;
  for (int a = 0; a < appends; ++a) {
    batch.Clear();
    DemoRows(next, rows_per_file, &batch, &out.appended_rows);
    next += rows_per_file;
    PINPIPE_ASSIGN_OR_RETURN(AddFile add, WriteDataFile(table.storage(), batch));
    PINPIPE_ASSIGN_OR_RETURN(auto r,
                             table.Commit({WriteMode::kAppend, {std::move(add)}, std::nullopt}));
    if (r.checkpoint_error) return std::unexpected(*r.checkpoint_error);
    out.last_append_version = r.version;
  }
  // The overwrite: two new files replace everything, in one commit.
  std::vector<AddFile> adds;
  for (int f = 0; f < 2; ++f) {
    batch.Clear();
    DemoRows(100000 + f * 1000, rows_per_file / 2 + f, &batch, &out.final_rows);
    PINPIPE_ASSIGN_OR_RETURN(AddFile add, WriteDataFile(table.storage(), batch));
    adds.push_back(std::move(add));
  }
  PINPIPE_ASSIGN_OR_RETURN(auto r,
                           table.Commit({WriteMode::kOverwrite, std::move(adds), std::nullopt}));
  if (r.checkpoint_error) return std::unexpected(*r.checkpoint_error);
  out.version = r.version;
  (void)created;
  return out;
}

}  // namespace pinpipe::lake
