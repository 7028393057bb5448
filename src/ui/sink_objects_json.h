// The sink page's open objects, next rotations and last committed objects as JSON
// (SinkConnector::LiveObjects), beside the state file's counters in /ui/api/sink.
#pragma once

#include "common/json_writer.h"
#include "sink/sink_connector.h"

namespace pinpipe::ui {

// "rotation": the connector's cut rules (flush.size, rotate.interval.ms on record time,
// rotate.schedule.interval.ms on the wall clock) and when the view was published.
void AppendSinkRotation(JsonWriter& w, const sink::SinkLiveObjects& v);
// "open" (the open object and its next rotation) and "recent" (newest first) of one partition;
// both absent when the connector has no task for it yet.
void AppendSinkObjects(JsonWriter& w, const sink::SinkLiveObjects& v, const sink::TopicPartition& tp);

}  // namespace pinpipe::ui
