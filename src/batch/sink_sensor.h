// SinkSensor: before `load` lists the lake, wait until the sink has landed everything the log
// held when the run started (a sensor, as in Airflow). Without it a run right after posting
// lists the few objects the sink happened to have flushed — or none — and succeeds on them.
//
// Read-only on both sides: the log end offsets come from the segment files under
// <data.dir>/log (no LogManager, no lock: `pinpipe serve` may be running), the committed
// offsets from the sink's durable state <data.dir>/state/sink/sink.state. A data dir with no
// log holding the batch topics (a lake written by someone else) has nothing to wait for.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "batch/batch_settings.h"
#include "common/status.h"
#include "orchestrator/dag.h"
#include "sink/source_log.h"

namespace pinpipe::batch {

// The next offset of every partition of `topics` found in <data_dir>/log (topics absent from
// the log are left out; an absent log gives an empty map).
Result<std::map<sink::TopicPartition, int64_t>> ReadLogEndOffsets(
    const std::string& data_dir, const std::vector<std::string>& topics);

// The partitions whose committed offset in the sink state is below `ends`, as
// "topic-p committed C of E".
Result<std::vector<std::string>> SinkBehind(const std::string& data_dir,
                                            const std::map<sink::TopicPartition, int64_t>& ends);

// Waits (polling) until the sink has committed the log ends read at the start; kTimeout after
// settings.sink_wait_ms. Returns at once when the wait is disabled (0) or there is no log.
Status WaitForSink(const BatchSettings& settings, const orchestrator::TaskContext& ctx);

}  // namespace pinpipe::batch
