// The JSON documents of the dashboard's API (/ui/api/...), built from plain snapshot structs so
// each shape is unit-tested apart from the server (tests/ui/api_json_test.cc) and the contract
// tests (tests/integration/test_ui_api.py) check the same field names against the binary.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json_writer.h"
#include "log/record_batch.h"
#include "orchestrator/run_history.h"
#include "ui/metric_history.h"

namespace pinpipe::ui {

struct PartitionRow {
  int32_t partition = 0;
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;
  uint64_t size_bytes = 0;
  int32_t segments = 0;
  double records_per_s = 0;       // NaN = not sampled yet
  int64_t last_produced_ms = -1;  // when the sampler last saw the watermark move; -1 = never
};

struct GroupLagRow {
  std::string group;
  int64_t lag = 0;
};

struct TopicRow {
  std::string name;
  std::vector<PartitionRow> partitions;
  std::vector<GroupLagRow> groups;  // groups with committed offsets on this topic
};

std::string TopicsJson(const std::vector<TopicRow>& topics);

struct MessageRow {
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::optional<std::string> key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

// A log record as a row of the message browser or the live tail (`headers` is scratch space).
MessageRow MessageRowOf(int32_t partition, const log::RecordView& rec, std::vector<log::Header>& headers);

// A payload as the browser shows it: "text" when it is valid UTF-8 (and "json": true when it
// is a JSON document), always "hex" of the first `max_hex` bytes, and the full "size".
void AppendPayload(JsonWriter& w, const std::optional<std::string>& bytes, size_t max_hex = 4096);
std::string MessagesJson(std::string_view topic, const std::vector<MessageRow>& rows, int64_t scanned,
                         std::string_view next);
// /ui/api/topics/{t}/search: the matching records and how much of the log answering took
// ("scanned N of M": records decoded of the partitions' records; index blocks read of all).
struct SearchCounts {
  int64_t scanned = 0, total = 0, blocks_read = 0, blocks_total = 0, indexed = 0;
  int64_t max_scan = 0;      // the request's budget of records to decode
  std::string next;          // where to continue ("<partition>:<offset>,..."); empty: finished
};
std::string SearchJson(std::string_view topic, const std::vector<MessageRow>& rows, const SearchCounts& c);
std::string HexString(std::string_view bytes, size_t max_bytes);

struct GroupPartitionRow {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;
  int64_t high_watermark = 0;
  int64_t lag() const { return committed < 0 ? high_watermark : std::max<int64_t>(0, high_watermark - committed); }
};
struct GroupRow {
  std::string group;
  std::vector<GroupPartitionRow> partitions;
  std::vector<std::string> members;  // live members (REST instances, Kafka clients), described
  int64_t total_lag() const {
    int64_t n = 0;
    for (const auto& p : partitions) n += p.lag();
    return n;
  }
};
std::string GroupsJson(const std::vector<GroupRow>& groups);

struct RunRow {
  orchestrator::DagRunRecord run;
  std::vector<orchestrator::TaskInstanceRecord> tasks;
};
std::string RunsJson(const std::vector<RunRow>& runs, const std::vector<std::string>& dags);

// {"name":..,"step":1,"t0":<first time>,"values":[v or null,...]}
void AppendSeries(JsonWriter& w, std::string_view name, const SeriesPoints& s);

// A finite double, or null.
void AppendNumber(JsonWriter& w, double v);

// /ui/api/worldmap: the world map's projected country shapes (report::WorldShapes), the
// dataset's country names → ISO code (pinterest::CountryCodes; `shaped` false: listed beside
// the map), and the category palette the HTML report uses, so both draw the same map.
std::string WorldMapJson();

}  // namespace pinpipe::ui
