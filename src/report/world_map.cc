#include "report/world_map.h"

#include <algorithm>
#include <array>
#include <map>

#include "report/html_escape.h"
#include "report/table.h"
#include "report/world_shapes.h"

namespace pinpipe::report {
namespace {

// Distinguishable on white and for the common colour-vision deficiencies first (the
// Okabe–Ito hues), then further hues; beyond them the list repeats.
constexpr std::array<std::string_view, 12> kPalette = {
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
    "#f0e442", "#7f3c8d", "#8c564b", "#2ca02c", "#bcbd22", "#17becf"};
constexpr std::string_view kNoData = "#dfe3e8";

std::string Title(const MapRegion& r, const std::string& value_label) {
  std::string t = r.label + ": " + r.category;
  for (const auto& c : r.ties) t += ", " + c;
  return t + " (" + value_label + " " + WithThousandsSeparators(r.count) + ")";
}

}  // namespace

std::string_view CategoryColor(size_t index) { return kPalette[index % kPalette.size()]; }
size_t CategoryPaletteSize() { return kPalette.size(); }

std::string RenderWorldMap(const WorldMapSpec& spec) {
  // Categories in byte order → colour; countries per category for the legend.
  std::map<std::string, size_t> countries_per_category;
  for (const auto& r : spec.regions) ++countries_per_category[r.category];
  std::map<std::string, std::string_view> color;
  size_t i = 0;
  for (const auto& [c, n] : countries_per_category) color[c] = CategoryColor(i++);

  std::map<int, const MapRegion*> by_iso;
  std::vector<const MapRegion*> shapeless;
  for (const auto& r : spec.regions) {
    if (r.iso == 0 || !FindWorldShape(r.iso) || !by_iso.emplace(r.iso, &r).second) shapeless.push_back(&r);
  }

  std::string h = "<figure class=\"worldmap\">";
  const auto shapes = WorldShapes();
  if (!shapes.empty()) {
    h += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"worldmap\" role=\"img\" viewBox=\"0 0 960 467.2\" aria-label=\"" +
         HtmlEscape(spec.title + ": " + std::to_string(by_iso.size()) + " countries coloured by category; the table lists every row") +
         "\">";
    for (const auto& s : shapes) {
      auto it = by_iso.find(s.iso);
      if (it == by_iso.end()) {
        h += "<path class=\"country nodata\" data-iso=\"" + std::to_string(s.iso) + "\" fill=\"" + std::string(kNoData) +
             "\" d=\"" + s.path + "\"><title>" + HtmlEscape(std::string(s.name)) + ": no data</title></path>";
        continue;
      }
      const MapRegion& r = *it->second;
      h += "<path class=\"country\" data-iso=\"" + std::to_string(s.iso) + "\" data-country=\"" + HtmlEscape(r.label) +
           "\" data-category=\"" + HtmlEscape(r.category) + "\" fill=\"" + std::string(color[r.category]) + "\" d=\"" +
           s.path + "\"><title>" + HtmlEscape(Title(r, spec.value_label)) + "</title></path>";
    }
    h += "</svg>";
  } else {
    h += "<p class=\"more\">No country geometry in this build (scripts/fetch-geometry); the table lists every row.</p>";
  }
  h += "<figcaption><ul class=\"legend\">";
  for (const auto& [c, n] : countries_per_category) {
    h += "<li><span class=\"swatch\" style=\"background:" + std::string(color[c]) + "\"></span>" + HtmlEscape(c) +
         " <span class=\"muted\">(" + std::to_string(n) + (n == 1 ? " country" : " countries") + ")</span></li>";
  }
  h += "</ul></figcaption>";
  if (!shapeless.empty()) {
    h += "<div class=\"shapeless\"><h3>Not on the map (" + std::to_string(shapeless.size()) +
         ": no shape at this scale)</h3><table class=\"data shapeless\"><thead><tr><th>country</th><th>category</th>"
         "<th class=\"num\">" + HtmlEscape(spec.value_label) + "</th></tr></thead><tbody>";
    for (const MapRegion* r : shapeless) {
      std::string cats = r->category;
      for (const auto& c : r->ties) cats += ", " + c;
      h += "<tr><td>" + HtmlEscape(r->label) + "</td><td><span class=\"swatch\" style=\"background:" +
           std::string(color[r->category]) + "\"></span>" + HtmlEscape(cats) + "</td><td class=\"num\">" +
           WithThousandsSeparators(r->count) + "</td></tr>";
    }
    h += "</tbody></table></div>";
  }
  h += "</figure>";
  return h;
}

const CountryShape* FindWorldShape(int iso) {
  const auto shapes = WorldShapes();  // sorted by iso (the generator writes them so)
  auto it = std::lower_bound(shapes.begin(), shapes.end(), iso, [](const CountryShape& s, int v) { return s.iso < v; });
  return it != shapes.end() && it->iso == iso ? &*it : nullptr;
}

}  // namespace pinpipe::report
