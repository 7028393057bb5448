// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2, seed 0x9747b28c) and the
// default partitioner's placement of keyed records: toPositive(murmur2(key)) % partitions.
// Matching it byte for byte makes keys land where a real Kafka producer would put them.
#pragma once

#include <cstdint>
#include <string_view>

namespace pinpipe {

int32_t KafkaMurmur2(std::string_view data);
int32_t KafkaPartitionForKey(std::string_view key, int32_t partitions);

}  // namespace pinpipe
