// The sink's names for the log seam (log/log_reader.h): it reads through log::LogReader, the
// embedded log or an external Kafka cluster alike.
#pragma once

#include "log/log_reader.h"

namespace pinpipe::sink {

using log::FetchResult;
using log::TopicPartition;

}  // namespace pinpipe::sink
