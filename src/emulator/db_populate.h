// Filling a source database: from the dataset generator (`pinpipe db init`) or from the
// original dumps (`pinpipe db load`: geolocation_data.csv, user_data.csv,
// pinterest_data*.csv, and JSONL files of any of the three tables).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "emulator/source_db.h"
#include "pinterest/generator.h"

namespace pinpipe::emulator {

// Called with the number of rows done so far (for a progress bar).
using ProgressFn = std::function<void(int64_t)>;

// Recreates the tables and writes options.rows generated rows into each.
Status PopulateGenerated(SourceDb& db, const pinterest::GeneratorOptions& options,
                         const ProgressFn& progress);

// Converts a generated row into the three tables' rows (cells reused).
void ToRows(const pinterest::GeneratedRow& g, Row* pin, Row* geo, Row* user);

struct LoadSummary {
  int64_t rows[3] = {0, 0, 0};  // inserted per table (TableId order)
  int64_t invalid = 0;          // skipped lines
  std::vector<std::string> problems;  // the first few invalid lines, for the report
};

// Loads the files into existing tables (created if absent with `create_tables`). CSV
// files are recognised by name in `csv_dir`; JSONL files by their keys.
Result<LoadSummary> LoadDumps(SourceDb& db, const std::string& csv_dir,
                              const std::vector<std::string>& jsonl_files, bool create_tables,
                              const ProgressFn& progress);

}  // namespace pinpipe::emulator
