// clean_pin | clean_geo | clean_user: the manifest's objects → raw table → clean table →
// one Delta overwrite commit, plus the topic's quarantine table.
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "batch/manifest.h"
#include "batch/raw_reader.h"
#include "batch/table_writer.h"
#include "batch/tasks.h"
#include "pinterest/clean.h"
#include "report/progress_bar.h"

namespace pinpipe::batch {

using pinterest::RawKind;

Result<orchestrator::TaskStats> RunClean(const BatchSettings& s, RawKind kind,
                                         const orchestrator::TaskContext& ctx) {
  PINPIPE_ASSIGN_OR_RETURN(auto lake, BatchLake::Open(s));
  const std::string dag_id = ctx.dag_id.empty() ? std::string(kDagId) : ctx.dag_id;
  PINPIPE_ASSIGN_OR_RETURN(Manifest m, ReadManifest(lake->store(), dag_id, ctx.logical_date));
  const ManifestTopic& topic = m.of(kind);
  const std::string name(pinterest::RawKindName(kind));

  // Progress in bytes of raw objects read and decoded.
  std::unique_ptr<report::ProgressBar> bar;
  if (!s.quiet) bar = std::make_unique<report::ProgressBar>("   " + ctx.task_id, static_cast<int64_t>(topic.bytes()));
  RawReadOptions ro;
  ro.threads = s.threads;
  if (ro.threads == 0 && kind != RawKind::kPin) {
    // pin is ~2/3 of the raw bytes and the DAG's critical path; geo and user run beside it
    // with half the threads so that pin keeps most of the cores.
    ro.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency() / 2));
  }
  ro.cancel = ctx.cancel;
  ro.progress = [&](uint64_t done, uint64_t total) {
    if (bar) bar->Update(static_cast<int64_t>(done));
    ctx.ReportProgress(static_cast<int64_t>(done), static_cast<int64_t>(total));
  };
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  PINPIPE_ASSIGN_OR_RETURN(RawReadResult raw, ReadRawObjects(lake->store(), kind, topic.objects, ro));
  if (bar) bar->Finish();
  const auto t1 = Clock::now();
  Clock::time_point t2;

  pinterest::CleanStats cs;
  Result<WrittenTable> written = WrittenTable{};
  switch (kind) {
    case RawKind::kPin: {
      auto clean = pinterest::CleanPins(std::move(raw.tables.pin), nullptr, &cs);
      t2 = Clock::now();
      written = WriteCleanPin(lake->Table(CleanTablePath(kind)), clean);
      break;
    }
    case RawKind::kGeo: {
      auto clean = pinterest::CleanGeos(std::move(raw.tables.geo), nullptr, &cs);
      t2 = Clock::now();
      written = WriteCleanGeo(lake->Table(CleanTablePath(kind)), clean);
      break;
    }
    case RawKind::kUser: {
      auto clean = pinterest::CleanUsers(std::move(raw.tables.user), nullptr, &cs);
      t2 = Clock::now();
      written = WriteCleanUser(lake->Table(CleanTablePath(kind)), clean);
      break;
    }
  }
  if (!written) return std::unexpected(written.error());
  PINPIPE_ASSIGN_OR_RETURN(WrittenTable q, WriteQuarantine(lake->Table(QuarantineTablePath(kind)),
                                                           raw.tables.quarantine, kind));
  const auto t3 = Clock::now();
  auto secs = [](Clock::duration d) {
    char b[16];
    std::snprintf(b, sizeof b, "%.2f", std::chrono::duration<double>(d).count());
    return std::string(b);
  };
  orchestrator::TaskStats st;
  st.records_in = static_cast<int64_t>(raw.records);
  st.records_out = static_cast<int64_t>(cs.output_rows);
  st.records_quarantined = static_cast<int64_t>(q.rows);
  st.summary = name + ": " + report::WithThousands(static_cast<int64_t>(topic.objects.size())) +
               " objects, " + report::WithThousands(static_cast<int64_t>(cs.duplicates)) +
               " duplicates dropped → " + written->location + " v" + std::to_string(written->version) +
               " (" + report::WithThousands(static_cast<int64_t>(written->rows)) + " rows); quarantine v" +
               std::to_string(q.version) + " [read " + secs(t1 - t0) + " s, clean " + secs(t2 - t1) +
               " s, write " + secs(t3 - t2) + " s]";
  return st;
}

}  // namespace pinpipe::batch
