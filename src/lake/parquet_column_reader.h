// Decodes one column chunk (dictionary page + data pages) into LeafData.
#pragma once

#include "common/status.h"
#include "lake/parquet_column_data.h"
#include "lake/parquet_format.h"
#include "lake/parquet_io.h"
#include "lake/parquet_schema.h"

namespace pinpipe::lake {

// Reads and decodes the chunk described by md; out is cleared and typed for leaf.
// num_rows is the row group's row count (checked against the decoded levels).
Status ReadColumnChunk(const InputSource& source, const format::ColumnMetaData& md, const LeafColumn& leaf,
                       int64_t num_rows, LeafData* out);

}  // namespace pinpipe::lake
