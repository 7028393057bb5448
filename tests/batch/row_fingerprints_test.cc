// The row fingerprints the readers return beside the analytics' columns (the live view's
// overlap test): equal rows, equal fingerprints; any column differing — also one the analytics
// do not read, a null against "", a null list element — a different one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "batch/table_reader.h"
#include "batch/table_writer.h"
#include "lake/delta_storage_objstore.h"
#include "objstore/open_object_store.h"

namespace pinpipe::batch {
namespace {

struct Lake {
  Lake() {
    char tmpl[] = "/tmp/pinpipe_row_fp_XXXXXX";
    dir = mkdtemp(tmpl);
    store = std::move(*objstore::OpenObjectStore(dir));
  }
  ~Lake() { std::filesystem::remove_all(dir); }
  template <typename Table>
  std::unique_ptr<lake::TableStorage> Write(const std::string& name, const Table& t) {
    auto storage = lake::NewObjectStoreTableStorage(*store, name, "mem://" + name);
    auto part = WriteCleanPart(*storage, t, 0);
    EXPECT_TRUE(part.has_value()) << part.error().message();
    auto w = CommitOverwrite(lake::NewObjectStoreTableStorage(*store, name, "mem://" + name), Table::Schema(),
                             {*part}, t.size(), name);
    EXPECT_TRUE(w.has_value()) << w.error().message();
    return storage;
  }
  std::string dir;
  std::unique_ptr<objstore::ObjectStore> store;
};

pinterest::CleanPinTable Pins() {
  pinterest::CleanPinTable t;
  auto add = [&](int64_t ind, const char* title, const char* poster) {
    t.ind.push_back(ind);
    t.unique_id.Append("u");
    title ? t.title.Append(title) : t.title.AppendNull();
    t.description.Append("d");
    t.follower_count.Append(1000);
    poster ? t.poster_name.Append(poster) : t.poster_name.AppendNull();
    t.tag_list.Append("a,b");
    t.is_image_or_video.Append("image");
    t.image_src.Append("src");
    t.save_location.Append("/data/x");
    t.category.Append("travel");
  };
  add(1, "t", "p");   // 0
  add(1, "t", "p");   // 1: = 0
  add(1, "t2", "p");  // 2: differs in a column the analytics do not read
  add(1, nullptr, "p");  // 3: null title
  add(1, "", "p");    // 4: "" title
  add(2, "t", "p");   // 5: another ind
  add(1, "t", nullptr);  // 6: null poster
  return t;
}

TEST(RowFingerprintsTest, PinRowsEqualExactlyWhenEveryColumnIs) {
  Lake lake;
  auto storage = lake.Write("delta/pin", Pins());
  std::vector<uint64_t> fps;
  auto t = ReadPinForAnalytics(*storage, nullptr, nullptr, {}, &fps);
  ASSERT_TRUE(t.has_value()) << t.error().message();
  ASSERT_EQ(fps.size(), 7u);
  ASSERT_EQ(t->size(), 7u);
  EXPECT_EQ(t->category.Get(0), "travel");  // the analytics' columns still read as before
  EXPECT_EQ(fps[0], fps[1]);
  for (size_t i = 2; i < fps.size(); ++i) {
    EXPECT_NE(fps[0], fps[i]) << i;
    for (size_t j = i + 1; j < fps.size(); ++j) EXPECT_NE(fps[i], fps[j]) << i << " " << j;
  }
  // Without the argument nothing changes (and nothing is fingerprinted).
  auto plain = ReadPinForAnalytics(*storage);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->ind, t->ind);
}

TEST(RowFingerprintsTest, GeoCoordinatesAreOneRowsListElements) {
  pinterest::CleanGeoTable g;
  auto add = [&](double lat, bool lat_null, double lon) {
    g.ind.push_back(7);
    g.country.Append("X");
    lat_null ? g.latitude.AppendNull() : g.latitude.Append(lat);
    g.longitude.Append(lon);
    g.timestamp.Append(1'600'000'000'000'000LL);
  };
  add(1.5, false, 2.5);  // 0
  add(1.5, false, 2.5);  // 1: = 0
  add(2.5, false, 1.5);  // 2: the elements swapped
  add(0, true, 2.5);     // 3: a null element
  add(-0.0, false, 2.5); // 4
  add(0.0, false, 2.5);  // 5: = 4 (-0.0 == 0.0, as the raw dedup compares)
  Lake lake;
  auto storage = lake.Write("delta/geo", g);
  std::vector<uint64_t> fps;
  auto t = ReadGeoForAnalytics(*storage, nullptr, nullptr, {}, &fps);
  ASSERT_TRUE(t.has_value()) << t.error().message();
  ASSERT_EQ(fps.size(), 6u);
  EXPECT_EQ(t->size(), 6u);
  EXPECT_EQ(fps[0], fps[1]);
  EXPECT_NE(fps[0], fps[2]);
  EXPECT_NE(fps[0], fps[3]);
  EXPECT_NE(fps[3], fps[4]);
  EXPECT_EQ(fps[4], fps[5]);
}

}  // namespace
}  // namespace pinpipe::batch
