// pinterest::ResultTable (typed analytics results) → report::Table (what terminal tables and
// the HTML report draw), and the chart each analytics table gets in the report.
#pragma once

#include <optional>

#include "pinterest/result_table.h"
#include "report/bar_chart.h"
#include "report/table.h"
#include "report/world_map.h"

namespace pinpipe::batch {

report::Table ToReportTable(const pinterest::ResultTable& t);

// Bars for the counts and medians, grouped bars (age group × joining year) for Q8; nullopt
// for an unknown table or one without a value to draw.
std::optional<report::ChartSpec> ChartFor(const pinterest::ResultTable& t);

// Q1 (category_by_country) as a world map: one region per country (its tied categories in
// `ties`), placed by pinterest::CountryCodes(); nullopt for any other table.
std::optional<report::WorldMapSpec> MapFor(const pinterest::ResultTable& t);

}  // namespace pinpipe::batch
