// pinpipe lake write-fixtures DIR: deterministic Parquet files (one per codec) + expected.json,
// read back by the interop tests with DuckDB and hyparquet.
// pinpipe lake bench-write --rows N OUT: writes the clean pin schema, timing only the writer.
// pinpipe lake parquet-cat FILE: any Parquet file's rows as JSON lines (nested values included),
// the way `lake show --format json` renders them.
#include <chrono>
#include <thread>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "cli/cli_context.h"
#include "common/json_writer.h"
#include "lake/parquet_compression.h"
#include "lake/parquet_reader.h"
#include "lake/parquet_row_render.h"
#include "lake/parquet_writer.h"

namespace pinpipe::cli {

namespace {

using lake::ColumnBatch;
using lake::Field;
using lake::LeafType;

void JsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

// Doubles as JSON: specials as strings the test understands; others with 17 digits.
void JsonDouble(double d, std::string* out) {
  if (std::isnan(d)) *out += "\"NaN\"";
  else if (std::isinf(d)) *out += d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  else if (d == 0 && std::signbit(d)) *out += "\"-0.0\"";
  else {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    *out += buf;
  }
}

lake::Schema FixtureSchema() {
  return lake::Schema({
      Field::Primitive("id", LeafType::kInt64, false),
      Field::Primitive("i32", LeafType::kInt32),
      Field::Primitive("i64", LeafType::kInt64),
      Field::Primitive("d", LeafType::kDouble),
      Field::Primitive("b", LeafType::kBoolean),
      Field::Primitive("s", LeafType::kString),
      Field::Primitive("ts", LeafType::kTimestamp),
      Field::List("ld", Field::Primitive("element", LeafType::kDouble)),
      Field::List("ls", Field::Primitive("element", LeafType::kString)),
      Field::Primitive("long_s", LeafType::kString),
      Field::Primitive("req_s", LeafType::kString, false),
  });
}

// Deterministic rows exercising every edge case; builds the batch and expected JSON lines.
void FixtureRows(size_t rows, ColumnBatch* batch, std::string* json) {
  const int32_t i32s[] = {INT32_MIN, INT32_MAX, 0, -1, 1, 123456789};
  const int64_t i64s[] = {INT64_MIN, INT64_MAX, 0, -1, 9007199254740993LL, -9007199254740993LL};
  const double ds[] = {std::nan(""), 0.0, -0.0, 1.5, -2.25, 1e308, -1e-308,
                       std::numeric_limits<double>::infinity(), 3.141592653589793};
  const char* strs[] = {"", "a", "café", "日本語テキスト", "emoji 🎉🚀", "Ünïcödé", "tab\there", "quote\"back\\", "zzz"};
  const int64_t tss[] = {0, -1, -86400000000LL, -2208988800000000LL /*1900*/, 1700000000123456LL,
                         -62135596800000000LL /*0001-01-01*/, 253402300799999999LL /*9999-12-31*/};
  *json += "[\n";
  char buf[64];
  for (size_t r = 0; r < rows; ++r) {
    std::string row = "{\"id\":" + std::to_string(r);
    batch->leaf(0).AppendInt64(static_cast<int64_t>(r));
    // i32
    row += ",\"i32\":";
    if (r % 7 == 3) { batch->leaf(1).AppendNull(); row += "null"; }
    else { int32_t v = i32s[r % 6]; batch->leaf(1).AppendInt32(v); row += std::to_string(v); }
    row += ",\"i64\":";
    if (r % 5 == 4) { batch->leaf(2).AppendNull(); row += "null"; }
    else { int64_t v = i64s[r % 6]; batch->leaf(2).AppendInt64(v); row += "\"" + std::to_string(v) + "\""; }
    row += ",\"d\":";
    if (r % 11 == 10) { batch->leaf(3).AppendNull(); row += "null"; }
    else { double v = ds[r % 9]; batch->leaf(3).AppendDouble(v); JsonDouble(v, &row); }
    row += ",\"b\":";
    if (r % 3 == 2) { batch->leaf(4).AppendNull(); row += "null"; }
    else { bool v = r % 2 == 0; batch->leaf(4).AppendBool(v); row += v ? "true" : "false"; }
    row += ",\"s\":";
    if (r % 13 == 12) { batch->leaf(5).AppendNull(); row += "null"; }
    else { const char* v = strs[r % 9]; batch->leaf(5).AppendString(v); JsonString(v, &row); }
    row += ",\"ts\":";
    if (r % 8 == 7) { batch->leaf(6).AppendNull(); row += "null"; }
    else { int64_t v = tss[r % 7]; batch->leaf(6).AppendInt64(v); row += "\"" + std::to_string(v) + "\""; }
    // ld: null list, empty list, null elements, NaN / ±0 elements
    row += ",\"ld\":";
    switch (r % 6) {
      case 0: batch->leaf(7).AppendNullList(); row += "null"; break;
      case 1: batch->leaf(7).AppendEmptyList(); row += "[]"; break;
      default: {
        size_t n = 1 + r % 4;
        std::vector<double> v(n);
        bool valid[4];
        row += "[";
        for (size_t k = 0; k < n; ++k) {
          v[k] = ds[(r + k) % 9];
          valid[k] = (r + k) % 5 != 0;
          if (k) row += ",";
          if (valid[k]) JsonDouble(v[k], &row); else row += "null";
        }
        row += "]";
        batch->leaf(7).AppendDoubleList(v, std::span<const bool>(valid, n));
      }
    }
    row += ",\"ls\":";
    switch (r % 5) {
      case 0: batch->leaf(8).AppendNullList(); row += "null"; break;
      case 1: batch->leaf(8).AppendEmptyList(); row += "[]"; break;
      default: {
        size_t n = 1 + r % 3;
        std::vector<std::string_view> v(n);
        bool valid[3];
        row += "[";
        for (size_t k = 0; k < n; ++k) {
          v[k] = strs[(r * 3 + k) % 9];
          valid[k] = (r + k) % 4 != 1;
          if (k) row += ",";
          if (valid[k]) JsonString(v[k], &row); else row += "null";
        }
        row += "]";
        batch->leaf(8).AppendStringList(v, std::span<const bool>(valid, n));
      }
    }
    // long_s: repetitive first (dictionary), then long unique strings (dictionary fallback).
    row += ",\"long_s\":";
    std::string ls;
    if (r < rows / 3) {
      ls = "repeated value " + std::to_string(r % 10);
    } else {
      std::snprintf(buf, sizeof buf, "unique-%06zu-", r);
      ls = buf;
      while (ls.size() < 700) ls += "ünïqué lørem ipsum " + std::to_string(r * 2654435761u % 100000) + " ";
    }
    if (r % 17 == 16) { batch->leaf(9).AppendNull(); row += "null"; }
    else { batch->leaf(9).AppendString(ls); JsonString(ls, &row); }
    row += ",\"req_s\":";
    std::string rs = "row " + std::to_string(r % 50);
    batch->leaf(10).AppendString(rs);
    JsonString(rs, &row);
    row += "}";
    *json += row;
    *json += r + 1 < rows ? ",\n" : "\n";
  }
  *json += "]\n";
}

int WriteFixtures(const std::string& dir, size_t rows) {
  lake::Schema schema = FixtureSchema();
  ColumnBatch batch(schema);
  std::string json;
  FixtureRows(rows, &batch, &json);
  for (auto codec : {lake::format::Codec::kUncompressed, lake::format::Codec::kSnappy, lake::format::Codec::kZstd,
                     lake::format::Codec::kGzip}) {
    lake::WriterOptions opt;
    opt.codec = codec;
    opt.data_page_size = 32 << 10;  // several pages per chunk
    std::string name = lake::CodecName(codec);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string path = dir + "/fixture_" + name + ".parquet";
    auto w = lake::ParquetWriter::Open(path, schema, opt);
    if (!w) { PrintError(w.error()); return kExitFailure; }
    // Two batches, to exercise streaming appends.
    auto st = (*w)->WriteBatch(batch);
    if (st) st = (*w)->Close();
    if (!st) { PrintError(st.error()); return kExitFailure; }
  }
  std::FILE* f = std::fopen((dir + "/expected.json").c_str(), "wb");
  if (!f) { PrintError(Error(ErrorCode::kIoError, "cannot write expected.json in " + dir)); return kExitFailure; }
  std::fwrite(json.data(), 1, json.size(), f);
  std::fclose(f);
  std::printf("wrote %zu rows x 4 codecs to %s\n", rows, dir.c_str());
  return 0;
}

// The clean pin schema of the pipeline and a generator that DuckDB SQL reproduces exactly
// (bench/parquet_write.mjs holds the same formulas).
lake::Schema PinSchema() {
  return lake::Schema({
      Field::Primitive("ind", LeafType::kInt64), Field::Primitive("unique_id", LeafType::kString),
      Field::Primitive("title", LeafType::kString), Field::Primitive("description", LeafType::kString),
      Field::Primitive("follower_count", LeafType::kInt32), Field::Primitive("poster_name", LeafType::kString),
      Field::Primitive("tag_list", LeafType::kString), Field::Primitive("is_image_or_video", LeafType::kString),
      Field::Primitive("image_src", LeafType::kString), Field::Primitive("save_location", LeafType::kString),
      Field::Primitive("category", LeafType::kString),
  });
}

void PinRows(int64_t first, int64_t count, ColumnBatch* b) {
  static const char* categories[] = {"mens-fashion", "diy-and-crafts", "vehicles", "beauty", "travel",
                                     "christmas", "art", "education", "finance", "quotes"};
  char buf[160];
  std::string s;
  for (int64_t i = first; i < first + count; ++i) {
    b->leaf(0).AppendInt64(i);
    std::snprintf(buf, sizeof buf, "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-8%03" PRIx64 "-%012" PRIx64,
                  static_cast<uint64_t>((i * 2654435761LL) % 4294967296LL), static_cast<uint64_t>(i % 65536),
                  static_cast<uint64_t>(i % 4096), static_cast<uint64_t>((i * 7) % 4096),
                  static_cast<uint64_t>(i * 1000003LL));
    b->leaf(1).AppendString(buf);
    if (i % 97 == 0) {
      b->leaf(2).AppendNull();
    } else {
      s = "Title number " + std::to_string(i % 50000) + " about things and more things";
      b->leaf(2).AppendString(s);
    }
    s = "Description of pin " + std::to_string(i) + " ";
    for (int64_t k = 0; k < 1 + i % 15; ++k) s += "lorem ipsum ";
    b->leaf(3).AppendString(s);
    b->leaf(4).AppendInt32(static_cast<int32_t>((i * 37) % 100000));
    b->leaf(5).AppendString("poster_" + std::to_string(i % 20000));
    s = "tag" + std::to_string(i % 100) + ",tag" + std::to_string(i % 37) + ",tag" + std::to_string(i % 11);
    b->leaf(6).AppendString(s);
    b->leaf(7).AppendString(i % 10 == 0 ? "video" : "image");
    std::snprintf(buf, sizeof buf, "https://i.pinimg.com/originals/%08" PRIx64 "/%" PRId64 ".jpg",
                  static_cast<uint64_t>((i * 40503LL) % 4294967296LL), i);
    b->leaf(8).AppendString(buf);
    b->leaf(9).AppendString("Local save in /data/" + std::to_string(i % 1000));
    b->leaf(10).AppendString(categories[i % 10]);
  }
}

int BenchWrite(const std::string& out, int64_t rows, const std::string& codec_name) {
  auto codec = lake::ParseCodec(codec_name);
  if (!codec) { PrintError(codec.error()); return kExitUsage; }
  lake::Schema schema = PinSchema();
  lake::WriterOptions opt;
  opt.codec = *codec;
  // One file, every core: columns are encoded and compressed in parallel (as DuckDB's COPY
  // uses its threads).
  opt.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto w = lake::ParquetWriter::Open(out, schema, opt);
  if (!w) { PrintError(w.error()); return kExitFailure; }
  ColumnBatch batch(schema);
  constexpr int64_t kBatch = 65536;
  std::chrono::steady_clock::duration spent{};
  for (int64_t first = 0; first < rows; first += kBatch) {
    batch.Clear();
    PinRows(first, std::min(kBatch, rows - first), &batch);  // generation is not timed
    auto t0 = std::chrono::steady_clock::now();
    auto st = (*w)->WriteBatch(batch);
    spent += std::chrono::steady_clock::now() - t0;
    if (!st) { PrintError(st.error()); return kExitFailure; }
  }
  auto t0 = std::chrono::steady_clock::now();
  auto st = (*w)->Close();
  spent += std::chrono::steady_clock::now() - t0;
  if (!st) { PrintError(st.error()); return kExitFailure; }
  std::printf("{\"rows\":%" PRId64 ",\"codec\":\"%s\",\"seconds\":%.4f,\"bytes\":%" PRIu64 "}\n", rows,
              lake::CodecName(*codec), std::chrono::duration<double>(spent).count(), (*w)->bytes_written());
  return 0;
}

int ParquetCat(const std::string& path, int64_t limit) {
  auto r = lake::ParquetReader::Open(path);
  if (!r) {
    std::fprintf(stderr, "pinpipe: %s\n", r.error().message().c_str());
    return 1;
  }
  const lake::Schema& schema = (*r)->schema();
  std::vector<lake::RenderNode> nodes;
  for (size_t t = 0; t < schema.fields().size(); ++t) nodes.push_back(lake::BuildRenderNode(schema, t));
  std::vector<lake::LeafData> leaves(schema.leaves().size());
  lake::RowAssembler rows;
  std::string out;
  int64_t emitted = 0;
  for (size_t rg = 0; rg < (*r)->num_row_groups(); ++rg) {
    std::vector<const lake::LeafData*> ptrs;
    for (size_t l = 0; l < leaves.size(); ++l) {
      auto st = (*r)->ReadLeaf(rg, l, &leaves[l]);
      if (!st) {
        std::fprintf(stderr, "pinpipe: %s: %s\n", path.c_str(), st.error().message().c_str());
        return 1;
      }
      ptrs.push_back(&leaves[l]);
    }
    rows.Reset(std::move(ptrs));
    for (int64_t i = 0; i < (*r)->metadata().row_groups[rg].num_rows; ++i) {
      if (limit > 0 && emitted >= limit) break;
      out += '{';
      for (size_t t = 0; t < nodes.size(); ++t) {
        if (t) out += ',';
        AppendJsonString(out, nodes[t].name);
        out += ':';
        rows.Render(nodes[t], &out);
      }
      out += "}\n";
      ++emitted;
      if (out.size() > (1u << 16)) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
      }
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

// The "lake" command group is shared with the Delta commands: reuse it if it exists.
CLI::App* LakeGroup(CLI::App& app) {
  for (auto* sub : app.get_subcommands([](CLI::App* a) { return a->get_name() == "lake"; })) return sub;
  auto* lake = app.add_subcommand("lake", "Lake formats: Parquet files and Delta tables");
  lake->require_subcommand(1);
  return lake;
}

}  // namespace

void RegisterLakeParquetCommands(CLI::App& app, CliContext& /*ctx*/) {
  CLI::App* lake = LakeGroup(app);

  auto* fx = lake->add_subcommand("write-fixtures", "Write deterministic Parquet test files + expected.json (interop tests)");
  fx->group("");  // hidden: a test helper
  static std::string fx_dir;
  static size_t fx_rows = 3000;
  fx->add_option("DIR", fx_dir, "Output directory (must exist)")->required();
  fx->add_option("--rows", fx_rows, "Rows per file");
  fx->callback([] { std::exit(WriteFixtures(fx_dir, fx_rows)); });

  auto* bw = lake->add_subcommand("bench-write", "Write N rows of the clean pin schema to a Parquet file, timing the writer");
  static std::string bw_out, bw_codec = "snappy";
  static int64_t bw_rows = 1000000;
  bw->add_option("OUT", bw_out, "Output Parquet file")->required();
  bw->add_option("--rows", bw_rows, "Rows to write");
  bw->add_option("--codec", bw_codec, "snappy|zstd|gzip|uncompressed");
  bw->callback([] { std::exit(BenchWrite(bw_out, bw_rows, bw_codec)); });

  auto* pc = lake->add_subcommand("parquet-cat", "Print a Parquet file's rows as JSON lines (nested values included)");
  static std::string pc_file;
  static int64_t pc_limit = 0;
  pc->add_option("FILE", pc_file, "Parquet file")->required();
  pc->add_option("--limit", pc_limit, "At most N rows (0 = all)");
  pc->callback([] { std::exit(ParquetCat(pc_file, pc_limit)); });
}

}  // namespace pinpipe::cli
