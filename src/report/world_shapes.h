// WorldShapes: country outlines as SVG path data, projected (Equal Earth) into a
// kWorldWidth × kWorldHeight view box, keyed by ISO 3166-1 numeric code. Generated at build time
// by scripts/world_geometry.py from Natural Earth (public domain, through the pinned `world-atlas`
// npm package that scripts/fetch-geometry caches outside the repository); no geometry is in git.
// Empty when the build had no geometry: the map then shows its table only.
#pragma once

#include <span>

namespace pinpipe::report {

struct CountryShape {
  int iso = 0;               // ISO 3166-1 numeric, e.g. 250 = France
  const char* name = "";     // Natural Earth's short name, e.g. "Bosnia and Herz."
  const char* path = "";     // SVG path data in the view box
};

inline constexpr double kWorldWidth = 960;
inline constexpr double kWorldHeight = 467.2;  // Equal Earth's aspect; = HEIGHT in scripts/world_geometry.py

std::span<const CountryShape> WorldShapes();
// The shape of `iso`, or nullptr.
const CountryShape* FindWorldShape(int iso);

}  // namespace pinpipe::report
