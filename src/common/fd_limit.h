// The process's file-descriptor limit (RLIMIT_NOFILE): raised from the soft to the hard limit
// at start-up, and the count of descriptors open now, so that subsystems that hold many (the
// log's partitions, connections) can refuse more before open() fails with EMFILE.
#pragma once

#include <cstdint>

namespace pinpipe {

// Raises the soft RLIMIT_NOFILE to the hard limit (idempotent) and returns the soft limit
// in force afterwards.
uint64_t RaiseOpenFileLimit();
// The soft RLIMIT_NOFILE now.
uint64_t OpenFileLimit();
// Descriptors open in this process now (/proc/self/fd); 0 when it cannot be read.
uint64_t OpenFileCount();

}  // namespace pinpipe
