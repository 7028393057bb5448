// The record trace's last step inside a Delta commit: which of the part files the commit added
// holds the record's clean row, and at which row. The clean tables key every row by `ind`
// (the raw record's `index` for pins, `ind` for geo and user), so the record's value gives the
// `ind` to look for; files whose stats (minValues/maxValues of `ind`) exclude it are skipped,
// the others' `ind` column is read through the lake's Parquet reader — from the local file, or
// fetched from the object store (an s3:// lake) — until a row has it. A quarantine table
// (table, reason, raw) holds the record's text as received: its `raw` column is matched instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "lake/delta_actions.h"
#include "lake/delta_storage.h"

namespace pinpipe::ui {

// The record's `ind`: the value's top-level "index" or "ind", a JSON integer or a string of
// one ("5"); nullopt when the value has neither.
std::optional<int64_t> RecordInd(std::string_view value_json);

struct PartRow {
  std::string path;  // the add action's path
  int64_t row = 0;   // 0-based row in the file
  int files_read = 0;  // part files opened (the others were pruned by their stats)
};

// The first of `adds` (in order) whose rows hold `ind`; nullopt when none does.
Result<std::optional<PartRow>> FindPartRow(lake::TableStorage& storage, const std::vector<lake::AddFile>& adds, int64_t ind);
// The same for a quarantine table: the row whose `raw` is the record's value.
Result<std::optional<PartRow>> FindQuarantineRow(lake::TableStorage& storage, const std::vector<lake::AddFile>& adds,
                                                 std::string_view raw);

}  // namespace pinpipe::ui
