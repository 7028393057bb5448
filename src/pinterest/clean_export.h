// Clean tables as ResultTables (row-wise copies), for CSV dumps and small displays. geo's
// coordinates become two double columns, `latitude` and `longitude`.
#pragma once

#include "pinterest/clean_tables.h"
#include "pinterest/quarantine.h"
#include "pinterest/result_table.h"

namespace pinpipe::pinterest {

ResultTable CleanPinToResult(const CleanPinTable& t);
ResultTable CleanGeoToResult(const CleanGeoTable& t);
ResultTable CleanUserToResult(const CleanUserTable& t);
// table string, reason string, raw string
ResultTable QuarantineToResult(const QuarantineTable& t);

}  // namespace pinpipe::pinterest
