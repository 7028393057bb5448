// clean_pin | clean_geo | clean_user: the manifest's objects → raw table → clean table →
// one Delta overwrite commit, plus the topic's quarantine table.
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "batch/manifest.h"
#include "batch/run_counts.h"
#include "batch/clean_pipeline.h"
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
  CleanPipelineOptions po;
  po.threads = s.threads;
  po.chunk_bytes = s.clean_chunk_bytes;
  if (po.threads == 0 && kind != RawKind::kPin) {
    // pin is ~2/3 of the raw bytes and the DAG's critical path; geo and user run beside it
    // with half the threads so that pin keeps most of the cores.
    po.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency() / 2));
  }
  po.cancel = ctx.cancel;
  const TableCommit commit = TableCommitOf(s, ctx, /*partitioned=*/true);
  po.commit = &commit;
  po.progress = [&](uint64_t done, uint64_t total) {
    if (bar) bar->Update(static_cast<int64_t>(done));
    ctx.ReportProgress(static_cast<int64_t>(done), static_cast<int64_t>(total));
  };
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  PINPIPE_ASSIGN_OR_RETURN(CleanPipelineResult r,
                           RunCleanPipeline(lake->store(), kind, topic.objects,
                                            lake->Table(CleanTablePath(kind)), po));
  if (bar) bar->Finish();
  const auto t1 = Clock::now();
  PINPIPE_ASSIGN_OR_RETURN(WrittenTable q, WriteQuarantine(lake->Table(QuarantineTablePath(kind)),
                                                           r.quarantine, kind, &commit));
  const auto t2 = Clock::now();
  auto secs = [](double d) {
    char b[16];
    std::snprintf(b, sizeof b, "%.2f", d);
    return std::string(b);
  };
  const auto wall = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  const WrittenTable* written = &r.table;
  const pinterest::CleanStats& cs = r.stats;
  orchestrator::TaskStats st;
  st.records_in = static_cast<int64_t>(r.records);
  st.records_out = static_cast<int64_t>(cs.output_rows);
  st.records_quarantined = static_cast<int64_t>(q.rows);
  // For the report's run counts (analyze reads them back).
  PINPIPE_RETURN_IF_ERROR(WriteCleanCounts(ReportDir(s, ctx.logical_date), name,
                                           {st.records_in, st.records_out, st.records_quarantined,
                                            static_cast<int64_t>(cs.duplicates)}));
  st.summary = name + ": " + report::WithThousands(static_cast<int64_t>(topic.objects.size())) +
               " objects, " + report::WithThousands(static_cast<int64_t>(cs.duplicates)) +
               " duplicates dropped → " + written->location + " v" + std::to_string(written->version) +
               (commit.date_partition ? " partition ds=" + *commit.date_partition : std::string()) +
               " (" + report::WithThousands(static_cast<int64_t>(written->rows)) + " rows); quarantine v" +
               std::to_string(q.version) + " [" + std::to_string(r.parts) + " parts in " +
               secs(wall(t1 - t0)) + " s; thread time: decode " + secs(r.decode_seconds) +
               " s, clean " + secs(r.clean_seconds) + " s, write " + secs(r.write_seconds) +
               " s; quarantine " + secs(wall(t2 - t1)) + " s]";
  return st;
}

}  // namespace pinpipe::batch
