// Random (version 4) UUIDs for metaData.id and data-file names (PROTOCOL.md: data files MUST be
// uniquely named; the reference implementation uses a GUID in the name).
#pragma once

#include <string>

namespace pinpipe::lake {

std::string NewUuid();

}  // namespace pinpipe::lake
