// Cleaning raw tables into clean tables (domain.md §2) — the one implementation used by
// the batch tasks (dedup over the whole input) and the streaming job (dedup against a
// persisted DedupWindow). The raw table is consumed: its arenas are filtered and trimmed
// in place, so cleaning needs no second copy of the strings.
//
// Duplicates: whole-row equality over the decoded raw values (see fingerprint.h), first
// occurrence kept, order preserved. A row sent once with numbers as strings and once with
// JSON numbers is one row; "User Info Error" and "" are different raw values even though
// both clean to null, so rows differing only there are both kept (as Spark's
// dropDuplicates() before cleaning would).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "pinterest/clean_tables.h"
#include "pinterest/dedup_window.h"
#include "pinterest/fingerprint.h"
#include "pinterest/raw_tables.h"

namespace pinpipe::pinterest {

struct CleanStats {
  size_t input_rows = 0;
  size_t duplicates = 0;
  size_t output_rows = 0;
};

struct RawTables;

// window == nullptr: batch dedup over the whole input. Otherwise rows whose fingerprint
// is in the window are dropped and new ones are added to it.
CleanPinTable CleanPins(RawPinTable&& raw, DedupWindow* window = nullptr,
                        CleanStats* stats = nullptr);
CleanGeoTable CleanGeos(RawGeoTable&& raw, DedupWindow* window = nullptr,
                        CleanStats* stats = nullptr);
CleanUserTable CleanUsers(RawUserTable&& raw, DedupWindow* window = nullptr,
                          CleanStats* stats = nullptr);

// The same cleaning with the rows to keep already decided (nullptr: every row), for callers
// that deduplicate a large input chunk by chunk (DeduplicateChunk).
CleanPinTable CleanPinsKeeping(RawPinTable&& raw, const RowIds* keep);
CleanGeoTable CleanGeosKeeping(RawGeoTable&& raw, const RowIds* keep);
CleanUserTable CleanUsersKeeping(RawUserTable&& raw, const RowIds* keep);

// Batch dedup of one chunk of a larger input, chunks in input order: rows whose fingerprint
// `seen` holds are dropped, the others are added. nullopt when every row is kept. Adds to
// *stats (when given).
std::optional<RowIds> DeduplicateChunk(const std::vector<Fingerprint>& fps, FingerprintSet& seen,
                                       CleanStats* stats);

// Row fingerprints (exposed for tests and for the stream's bookkeeping). The Clean*
// functions use the table's `fingerprints` when it covers every row, else compute them.
std::vector<Fingerprint> PinFingerprints(const RawPinTable& raw);
std::vector<Fingerprint> GeoFingerprints(const RawGeoTable& raw);
std::vector<Fingerprint> UserFingerprints(const RawUserTable& raw);
// Appends the fingerprints of rows [fingerprints.size(), size()) of the table of `kind` to its
// `fingerprints`: parallel decoders call it after each object, while the rows are in cache.
void ExtendFingerprints(RawKind kind, RawTables* tables);

}  // namespace pinpipe::pinterest
