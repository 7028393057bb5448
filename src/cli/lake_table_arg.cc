#include "cli/lake_table_arg.h"

#include <filesystem>

#include "cli/cli_context.h"
#include "lake/delta_storage_objstore.h"
#include "objstore/open_object_store.h"

namespace pinpipe::cli {
namespace {

bool IsDeltaDir(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::is_directory(dir / "_delta_log", ec);
}

}  // namespace

Result<OpenedLakeTable> OpenLakeTable(const std::string& arg, const CliContext& ctx) {
  OpenedLakeTable t;
  // An absolute or ./-relative path is always a path: its reader's error says what is wrong.
  if (IsDeltaDir(arg) || arg.starts_with('/') || arg.starts_with("./") || arg.starts_with("../")) {
    t.storage = lake::NewLocalTableStorage(arg);
    return t;
  }
  std::string rel = arg;
  while (rel.size() > 1 && rel.back() == '/') rel.pop_back();
  if (!rel.starts_with("delta/")) rel = "delta/" + rel;
  const Config cfg = ctx.LoadConfigOrExit();
  std::string uri = cfg.LakeUri();
  while (uri.size() > 1 && uri.back() == '/') uri.pop_back();
  if (uri.starts_with("s3://")) {
    PINPIPE_ASSIGN_OR_RETURN(t.store, objstore::OpenLakeStore(cfg));
    t.storage = lake::NewObjectStoreTableStorage(*t.store, rel, uri + "/" + rel);
    return t;
  }
  if (uri.starts_with("file://")) uri = uri.substr(7);
  const std::filesystem::path in_lake = std::filesystem::path(uri) / rel;
  if (!IsDeltaDir(in_lake)) {
    return MakeError(ErrorCode::kNotFound,
                     "no Delta table '" + arg + "': neither a table directory nor a table of the lake (" +
                         in_lake.string() + " has no _delta_log); `pinpipe lake show PATH` or a name such as pin, "
                         "analytics/top_country");
  }
  t.storage = lake::NewLocalTableStorage(in_lake.string());
  return t;
}

}  // namespace pinpipe::cli
