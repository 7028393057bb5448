#include "batch/clean_pipeline.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include "batch/analytics_cache.h"
#include "batch/raw_reader.h"
#include "common/mutex.h"

namespace pinpipe::batch {
namespace {

using Clock = std::chrono::steady_clock;
using pinterest::RawKind;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Contiguous object ranges of about `chunk_bytes` each, in manifest order.
std::vector<std::pair<size_t, size_t>> SplitIntoChunks(const std::vector<ManifestObject>& objects,
                                                       uint64_t chunk_bytes) {
  std::vector<std::pair<size_t, size_t>> chunks;
  size_t begin = 0;
  uint64_t bytes = 0;
  for (size_t i = 0; i < objects.size(); ++i) {
    bytes += objects[i].size;
    if (bytes >= chunk_bytes) {
      chunks.emplace_back(begin, i + 1);
      begin = i + 1;
      bytes = 0;
    }
  }
  if (begin < objects.size() || chunks.empty()) chunks.emplace_back(begin, objects.size());
  return chunks;
}

struct Chunk {
  pinterest::RawTables raw;
  std::optional<pinterest::RowIds> keep;  // after dedup; nullopt = every row
  bool decoded = false;
};

// Writes the part, then hands the analytics' columns of the written rows to analyze in this
// process (analytics_cache.h) rather than letting it read them back.
template <typename Table>
Result<lake::AddFile> WriteChunk(Table& clean, lake::TableStorage& storage, int part,
                                 std::string_view dir, size_t* rows, double* write_s) {
  const auto t0 = Clock::now();
  *rows = clean.size();
  auto add = WriteCleanPart(storage, clean, part, dir);
  if (add) AnalyticsCache::Process().Keep(storage.root(), add->path, TakeAnalyticsColumns(clean));
  *write_s += Seconds(Clock::now() - t0);
  return add;
}

// Cleans one deduplicated chunk of `kind` and writes it as part file `part`.
Result<lake::AddFile> CleanAndWrite(RawKind kind, Chunk& c, lake::TableStorage& storage, int part,
                                    std::string_view dir, size_t* rows, double* clean_s,
                                    double* write_s) {
  const pinterest::RowIds* keep = c.keep ? &*c.keep : nullptr;
  const auto t0 = Clock::now();
  switch (kind) {
    case RawKind::kPin: {
      auto clean = pinterest::CleanPinsKeeping(std::move(c.raw.pin), keep);
      *clean_s += Seconds(Clock::now() - t0);
      return WriteChunk(clean, storage, part, dir, rows, write_s);
    }
    case RawKind::kGeo: {
      auto clean = pinterest::CleanGeosKeeping(std::move(c.raw.geo), keep);
      *clean_s += Seconds(Clock::now() - t0);
      return WriteChunk(clean, storage, part, dir, rows, write_s);
    }
    case RawKind::kUser: {
      auto clean = pinterest::CleanUsersKeeping(std::move(c.raw.user), keep);
      *clean_s += Seconds(Clock::now() - t0);
      return WriteChunk(clean, storage, part, dir, rows, write_s);
    }
  }
  return MakeError(ErrorCode::kInternal, "unknown raw kind");
}

std::span<const pinterest::ColumnSpec> CleanSchemaOf(RawKind kind) {
  switch (kind) {
    case RawKind::kPin:
      return pinterest::CleanPinTable::Schema();
    case RawKind::kGeo:
      return pinterest::CleanGeoTable::Schema();
    case RawKind::kUser:
      break;
  }
  return pinterest::CleanUserTable::Schema();
}

std::vector<pinterest::Fingerprint>& FingerprintsOf(RawKind kind, pinterest::RawTables& t) {
  switch (kind) {
    case RawKind::kPin:
      return t.pin.fingerprints;
    case RawKind::kGeo:
      return t.geo.fingerprints;
    case RawKind::kUser:
      break;
  }
  return t.user.fingerprints;
}

}  // namespace

Result<CleanPipelineResult> RunCleanPipeline(objstore::ObjectStore& store, RawKind kind,
                                             const std::vector<ManifestObject>& objects,
                                             std::unique_ptr<lake::TableStorage> table,
                                             const CleanPipelineOptions& options) {
  const std::string part_dir = options.commit ? options.commit->PartDir() : "";
  AnalyticsCache::Process().ForgetTable(table->root());  // the previous run's parts
  const auto chunks_of = SplitIntoChunks(objects, std::max<uint64_t>(1, options.chunk_bytes));
  const size_t n = chunks_of.size();
  const size_t threads = std::clamp<size_t>(
      options.threads > 0 ? static_cast<size_t>(options.threads)
                          : std::max(1u, std::thread::hardware_concurrency()),
      1, n);
  uint64_t total = 0;
  for (const auto& o : objects) total += o.size;
  auto bytes_of_chunk = [&](size_t i) {
    uint64_t bytes = 0;
    for (size_t k = chunks_of[i].first; k < chunks_of[i].second; ++k) bytes += objects[k].size;
    return bytes;
  };

  std::vector<Chunk> chunks(n);
  std::vector<Result<lake::AddFile>> parts(n, MakeError(ErrorCode::kInternal, "not written"));
  std::vector<size_t> part_rows(n, 0);
  std::vector<uint64_t> chunk_records(n, 0);
  std::vector<pinterest::QuarantineTable> quarantines(n);
  CleanPipelineResult out;
  pinterest::FingerprintSet seen;

  Mutex mu;
  CondVar cv;
  size_t next_decode = 0, next_dedup = 0, written = 0;
  std::deque<size_t> ready;  // deduplicated, waiting to be cleaned and written
  std::optional<Error> failure;
  uint64_t done_bytes = 0;

  // Dedup is sequential in chunk order and cheap (a hash-set insert per row): whoever finishes
  // a decode advances it as far as the decoded prefix allows. Requires mu.
  auto advance_dedup = [&] {
    while (next_dedup < n && chunks[next_dedup].decoded) {
      Chunk& c = chunks[next_dedup];
      auto& fps = FingerprintsOf(kind, c.raw);
      if (next_dedup == 0) {  // size the set for the whole input at once, from the first chunk
        const uint64_t bytes = bytes_of_chunk(0);
        if (bytes > 0)
          seen.Reserve(static_cast<size_t>(static_cast<double>(fps.size()) *
                                           static_cast<double>(total) / static_cast<double>(bytes)));
      }
      c.keep = pinterest::DeduplicateChunk(fps, seen, &out.stats);
      fps = {};
      ready.push_back(next_dedup++);
    }
  };

  auto worker = [&] {
    pinterest::RawDecoder decoder;
    std::string buf;
    double decode_s = 0, clean_s = 0, write_s = 0;
    UniqueMutexLock lock(mu);
    while (!failure && written < n) {
      if (options.cancel && options.cancel->load(std::memory_order_relaxed)) {
        failure = Error(ErrorCode::kUnavailable, "cancelled");
        break;
      }
      if (!ready.empty()) {  // writing first keeps the chunks held in memory few
        const size_t i = ready.front();
        ready.pop_front();
        lock.unlock();
        auto add = CleanAndWrite(kind, chunks[i], *table, static_cast<int>(i), part_dir, &part_rows[i],
                                 &clean_s, &write_s);
        quarantines[i] = std::move(chunks[i].raw.quarantine);
        chunks[i] = Chunk{};  // frees the chunk's raw and clean columns now
        lock.lock();
        if (!add) failure = add.error();
        parts[i] = std::move(add);
        ++written;
        cv.NotifyAll();
        continue;
      }
      if (next_decode < n) {
        const size_t i = next_decode++;
        lock.unlock();
        const auto t0 = Clock::now();
        const auto [b, e] = chunks_of[i];
        const uint64_t bytes = bytes_of_chunk(i);
        const uint64_t records_before = decoder.records();
        Status st = OkStatus();
        for (size_t k = b; k < e && st; ++k) {
          st = ReadRawObject(store, kind, objects[k], k == b ? bytes : 0, decoder, buf,
                             &chunks[i].raw);
          if (st && options.progress) {
            MutexLock progress_lock(mu);
            done_bytes += objects[k].size;
            options.progress(done_bytes, total);
          }
        }
        chunk_records[i] = decoder.records() - records_before;  // this worker's slot
        decode_s += Seconds(Clock::now() - t0);
        lock.lock();
        if (!st) {
          failure = st.error();
        } else {
          chunks[i].decoded = true;
          advance_dedup();
        }
        cv.NotifyAll();
        continue;
      }
      cv.Wait(mu);  // everything left is being decoded or written by another worker
    }
    out.decode_seconds += decode_s;
    out.clean_seconds += clean_s;
    out.write_seconds += write_s;
    cv.NotifyAll();
  };

  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (failure) return std::unexpected(*failure);

  std::vector<lake::AddFile> files;
  size_t rows = 0;
  for (size_t i = 0; i < n; ++i) {
    files.push_back(std::move(*parts[i]));
    rows += part_rows[i];
    out.records += chunk_records[i];
    out.quarantine.Append(quarantines[i]);  // manifest order
  }
  out.parts = static_cast<int>(n);
  PINPIPE_ASSIGN_OR_RETURN(out.table, CommitOverwrite(std::move(table), CleanSchemaOf(kind),
                                                      std::move(files), rows,
                                                      std::string(pinterest::RawKindName(kind)),
                                                      options.commit));
  return out;
}

}  // namespace pinpipe::batch
