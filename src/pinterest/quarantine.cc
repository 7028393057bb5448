#include "pinterest/quarantine.h"

namespace pinpipe::pinterest {

size_t QuarantineTable::Count(RawKind kind) const {
  size_t n = 0;
  for (RawKind k : table) n += k == kind;
  return n;
}

void QuarantineTable::Append(const QuarantineTable& o) {
  table.insert(table.end(), o.table.begin(), o.table.end());
  reason.AppendColumn(o.reason);
  raw.AppendColumn(o.raw);
}

}  // namespace pinpipe::pinterest
