// A Delta table inside an object store (the lake: a local directory or an S3 bucket prefix).
// Commits use the store's PutIfAbsent, which on S3 is a conditional PUT (If-None-Match: *),
// so two writers racing for the same version cannot both win. LocalPath() is nullopt: data
// files are assembled in memory and Put (DataFileWriter), and read back through Get into a
// memory source (ForEachRow, the checkpoint reader).
#pragma once

#include <memory>
#include <string>

#include "lake/delta_storage.h"
#include "objstore/object_store.h"

namespace pinpipe::lake {

// `store` must outlive the storage. `prefix` is the table root inside the store, without a
// trailing '/' ("delta/pin"); `root` names the table in messages ("s3://bucket/lake/delta/pin").
std::unique_ptr<TableStorage> NewObjectStoreTableStorage(objstore::ObjectStore& store,
                                                         std::string prefix, std::string root);

}  // namespace pinpipe::lake
