#include "batch/raw_gen.h"

#include <array>
#include <cstdio>
#include <vector>

#include "common/json_writer.h"
#include "pinterest/generator.h"

namespace pinpipe::batch {
namespace {

// One topic's open object: records are appended until records_per_object, then Put.
struct TopicOut {
  std::string topic;
  std::string buf;
  int64_t start = 0, count = 0;
};

void AppendPin(const pinterest::GeneratedPin& p, std::string& o) {
  o += "{\"index\":";
  AppendJsonInt(o, p.index);
  o += ",\"unique_id\":";
  AppendJsonString(o, p.unique_id);
  o += ",\"title\":";
  AppendJsonString(o, p.title);
  o += ",\"description\":";
  AppendJsonString(o, p.description);
  o += ",\"poster_name\":";
  AppendJsonString(o, p.poster_name);
  o += ",\"follower_count\":";
  AppendJsonString(o, p.follower_count);
  o += ",\"tag_list\":";
  AppendJsonString(o, p.tag_list);
  o += ",\"is_image_or_video\":";
  AppendJsonString(o, p.is_image_or_video);
  o += ",\"image_src\":";
  AppendJsonString(o, p.image_src);
  o += ",\"downloaded\":";
  AppendJsonInt(o, p.downloaded);
  o += ",\"save_location\":";
  AppendJsonString(o, p.save_location);
  o += ",\"category\":";
  AppendJsonString(o, p.category);
  o += "}\n";
}

void AppendGeo(const pinterest::GeneratedGeo& g, std::string& o) {
  o += "{\"ind\":";
  AppendJsonInt(o, g.ind);
  o += ",\"timestamp\":";
  AppendJsonString(o, g.timestamp);
  o += ",\"latitude\":";
  AppendJsonDouble(o, g.latitude);
  o += ",\"longitude\":";
  AppendJsonDouble(o, g.longitude);
  o += ",\"country\":";
  AppendJsonString(o, g.country);
  o += "}\n";
}

void AppendUser(const pinterest::GeneratedUser& u, std::string& o) {
  o += "{\"ind\":";
  AppendJsonInt(o, u.ind);
  o += ",\"first_name\":";
  AppendJsonString(o, u.first_name);
  o += ",\"last_name\":";
  AppendJsonString(o, u.last_name);
  o += ",\"age\":";
  AppendJsonInt(o, u.age);
  o += ",\"date_joined\":";
  AppendJsonString(o, u.date_joined);
  o += "}\n";
}

}  // namespace

Result<RawGenStats> GenerateRawObjects(objstore::ObjectStore& store, const RawGenOptions& opt) {
  RawGenStats stats;
  std::array<TopicOut, 3> out;
  const char* names[] = {"pin", "geo", "user"};
  for (int t = 0; t < 3; ++t) out[t].topic = opt.pipeline_id + "." + names[t];
  auto flush = [&](TopicOut& t) -> Status {
    if (t.count == 0) return OkStatus();
    char offset[32];
    std::snprintf(offset, sizeof offset, "%010lld", static_cast<long long>(t.start));
    const std::string key = opt.topics_dir + "/" + t.topic + "/partition=0/" + t.topic + "+0+" + offset + ".json";
    PINPIPE_RETURN_IF_ERROR(store.Put(key, t.buf, {.defer_sync = true}));
    stats.objects += 1;
    stats.bytes += t.buf.size();
    t.start += t.count;
    t.count = 0;
    t.buf.clear();
    return OkStatus();
  };

  // The last rows' lines, for re-posts.
  constexpr size_t kRecent = 1024;
  std::vector<std::array<std::string, 3>> recent(kRecent);
  size_t recent_n = 0;
  uint64_t rng = opt.seed * 0x9E3779B97F4A7C15ull + 1;
  auto next = [&rng] {  // xorshift64*: cheap and deterministic
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ull;
  };
  const uint64_t repeat_below = static_cast<uint64_t>(opt.repeat_share * 18446744073709551615.0);

  pinterest::DatasetGenerator gen({.seed = opt.seed, .rows = opt.interactions});
  pinterest::GeneratedRow row;
  for (int64_t i = 0; i < opt.interactions; ++i) {
    const std::array<std::string, 3>* lines;
    if (recent_n > 0 && next() < repeat_below) {
      lines = &recent[next() % std::min(recent_n, kRecent)];
    } else {
      gen.Next(&row);
      auto& slot = recent[recent_n++ % kRecent];
      for (auto& s : slot) s.clear();
      AppendPin(row.pin, slot[0]);
      AppendGeo(row.geo, slot[1]);
      AppendUser(row.user, slot[2]);
      lines = &slot;
    }
    for (int t = 0; t < 3; ++t) {
      out[t].buf += (*lines)[t];
      if (++out[t].count == opt.records_per_object) PINPIPE_RETURN_IF_ERROR(flush(out[t]));
    }
    stats.records += 3;
  }
  for (auto& t : out) PINPIPE_RETURN_IF_ERROR(flush(t));
  PINPIPE_RETURN_IF_ERROR(store.Sync());
  return stats;
}

}  // namespace pinpipe::batch
