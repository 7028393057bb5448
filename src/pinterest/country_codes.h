// The dataset's country names → ISO 3166-1 numeric codes, so that a result per country (Q1,
// Q3a) can be drawn on a world map whose shapes are keyed by that code.
#pragma once

#include <span>
#include <string_view>

namespace pinpipe::pinterest {

struct CountryCode {
  std::string_view name;  // as in geolocation_data.country, e.g. "Libyan Arab Jamahiriya"
  int iso = 0;            // ISO 3166-1 numeric; 0 = no ISO country (e.g. "Netherlands Antilles")
  // False: Natural Earth (1:110m, and 1:50m for what 110m lacks) has no shape of its own for it
  // (tiny islands, territories drawn as part of another country): the map lists it beside.
  bool shaped = true;
};

// Every one of the 243 names of the dataset (generator_countries.cc), sorted by name.
std::span<const CountryCode> CountryCodes();
// nullptr for a name not in the table.
const CountryCode* FindCountryCode(std::string_view name);

}  // namespace pinpipe::pinterest
