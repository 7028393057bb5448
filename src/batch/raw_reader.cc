#include "batch/raw_reader.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "pinterest/clean.h"

namespace pinpipe::batch {

Status ReadRawObject(objstore::ObjectStore& store, pinterest::RawKind kind,
                     const ManifestObject& object, uint64_t reserve_for_bytes,
                     pinterest::RawDecoder& decoder, std::string& buf, pinterest::RawTables* out) {
  // One buffer per thread, reused: no page faults for a fresh buffer per object.
  Status got = store.GetInto(object.key, buf, pinterest::RawDecoder::kPadding);
  if (!got) {
    return MakeError(got.error().code(),
                     "reading raw object " + object.key + ": " + got.error().message());
  }
  if (buf.size() != object.size) {
    return MakeError(ErrorCode::kCorruption,
                     "raw object " + object.key + " has " + std::to_string(buf.size()) +
                         " bytes, the manifest says " + std::to_string(object.size) +
                         ": the lake changed since load ran; rerun load");
  }
  decoder.DecodeInPlace(kind, &buf, out);
  pinterest::ExtendFingerprints(kind, out);
  if (reserve_for_bytes > object.size && object.size > 0) {
    // Extrapolate from this first object, with a margin for objects of denser rows.
    constexpr double kMargin = 1.15;
    out->ReserveScaled(kind, kMargin * static_cast<double>(reserve_for_bytes) /
                                 static_cast<double>(object.size));
  }
  return OkStatus();
}

Result<RawReadResult> ReadRawObjects(objstore::ObjectStore& store, pinterest::RawKind kind,
                                     const std::vector<ManifestObject>& objects,
                                     const RawReadOptions& options) {
  const size_t n = objects.size();
  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads)
                                       : std::max(1u, std::thread::hardware_concurrency());
  threads = std::clamp<size_t>(threads, 1, std::max<size_t>(1, n));
  uint64_t total = 0;
  for (const auto& o : objects) total += o.size;

  struct Worker {
    pinterest::RawTables tables;
    uint64_t records = 0;
    Status status;
  };
  std::vector<Worker> workers(threads);
  std::atomic<uint64_t> done{0};
  std::atomic<bool> failed{false};

  auto run = [&](size_t w) {
    const size_t begin = n * w / threads, end = n * (w + 1) / threads;
    // Worker 0's tables become the result: it sizes its columns for everything, the others
    // for their range, so no column grows by doubling (copying and page-faulting) on the way.
    uint64_t expect = 0;
    for (size_t i = begin; i < end; ++i) expect += objects[i].size;
    if (w == 0) expect = total;
    pinterest::RawDecoder decoder;
    std::string buf;
    for (size_t i = begin; i < end && !failed.load(std::memory_order_relaxed); ++i) {
      if (options.cancel && options.cancel->load(std::memory_order_relaxed)) {
        workers[w].status = MakeError(ErrorCode::kUnavailable, "cancelled");
        failed = true;
        return;
      }
      Status st = ReadRawObject(store, kind, objects[i], i == begin ? expect : 0, decoder, buf,
                                &workers[w].tables);
      if (!st) {
        workers[w].status = st;
        failed = true;
        return;
      }
      done.fetch_add(objects[i].size, std::memory_order_relaxed);
    }
    workers[w].records = decoder.records();
  };

  std::vector<std::thread> pool;
  for (size_t w = 1; w < threads; ++w) pool.emplace_back(run, w);
  std::thread reporter;
  std::atomic<bool> reporting{static_cast<bool>(options.progress)};
  if (options.progress) {
    reporter = std::thread([&] {
      while (reporting.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (reporting.load()) options.progress(done.load(), total);
      }
    });
  }
  run(0);
  for (auto& t : pool) t.join();
  reporting = false;
  if (reporter.joinable()) reporter.join();
  for (auto& w : workers) {
    if (!w.status) return std::unexpected(w.status.error());
  }
  if (options.progress) options.progress(total, total);

  // Concatenate in range order; each appended table is freed right after its copy.
  RawReadResult out;
  out.bytes = total;
  out.tables = std::move(workers[0].tables);
  out.records = workers[0].records;
  for (size_t w = 1; w < threads; ++w) {
    out.tables.Append(workers[w].tables);
    out.records += workers[w].records;
    workers[w].tables = pinterest::RawTables();
  }
  return out;
}

}  // namespace pinpipe::batch
