// RenderWorldMap: an inline SVG world map, one country per path filled with the colour of its
// category (e.g. Q1's most popular category per country), a legend of the categories, and a
// table of the regions that have no shape on the map (tiny islands, territories, names without
// an ISO country) so that nothing is dropped silently. Accessible: role="img" + aria-label and
// a <title> per country (country, category, count); the full table stays beside it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pinpipe::report {

struct MapRegion {
  std::string label;     // the data's name, e.g. "Bouvet Island (Bouvetoya)"
  int iso = 0;           // ISO 3166-1 numeric; 0 = none
  std::string category;  // the first of the region's (tied) categories colours it
  int64_t count = 0;
  std::vector<std::string> ties;  // further categories tied with `category`
};

struct WorldMapSpec {
  std::string title;  // the aria-label
  std::string value_label = "count";
  std::vector<MapRegion> regions;
};

// The colour of the i-th category (categories in byte order); the dashboard uses the same list.
std::string_view CategoryColor(size_t index);
size_t CategoryPaletteSize();

// <figure class="worldmap">: the SVG, the legend and the table of regions without a shape.
std::string RenderWorldMap(const WorldMapSpec& spec);

}  // namespace pinpipe::report
