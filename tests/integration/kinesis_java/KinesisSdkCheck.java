// The AWS SDK for Java v2 (CBOR by default for Kinesis) against an endpoint: the core
// operations, printing what it observed, one "key=value" line each, for test_kinesis.py.
// Usage: java -cp <awssdk libs>/* KinesisSdkCheck.java <endpoint> <stream>
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.*;

public class KinesisSdkCheck {
  public static void main(String[] args) {
    String endpoint = args[0], name = args[1];
    try (KinesisClient c = KinesisClient.builder()
             .endpointOverride(URI.create(endpoint))
             .region(Region.US_EAST_1)
             .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
             .httpClientBuilder(ApacheHttpClient.builder())
             .build()) {
      c.createStream(b -> b.streamName(name).shardCount(2));
      StreamDescriptionSummary s = c.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary();
      System.out.println("status=" + s.streamStatusAsString());
      System.out.println("open_shards=" + s.openShardCount());
      System.out.println("created_recent=" + (Math.abs(s.streamCreationTimestamp().toEpochMilli() - Instant.now().toEpochMilli()) < 600000));
      PutRecordResponse one = c.putRecord(b -> b.streamName(name).partitionKey("a").data(SdkBytes.fromByteArray(new byte[] {0, 1, 2, (byte) 255})));
      System.out.println("put_shard=" + one.shardId());
      List<PutRecordsRequestEntry> entries = new ArrayList<>();
      for (String k : new String[] {"a", "b", "c"}) {
        entries.add(PutRecordsRequestEntry.builder().partitionKey(k).data(SdkBytes.fromUtf8String("rec-" + k)).build());
      }
      PutRecordsResponse many = c.putRecords(b -> b.streamName(name).records(entries));
      System.out.println("put_records_failed=" + many.failedRecordCount());
      List<String> ids = new ArrayList<>();
      for (Shard sh : c.listShards(b -> b.streamName(name)).shards()) ids.add(sh.shardId());
      System.out.println("shards=" + String.join(",", ids));
      String it = c.getShardIterator(b -> b.streamName(name).shardId("shardId-000000000000")
                                             .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
      GetRecordsResponse got = c.getRecords(b -> b.shardIterator(it));
      List<String> datas = new ArrayList<>();
      for (software.amazon.awssdk.services.kinesis.model.Record r : got.records()) {
        StringBuilder hex = new StringBuilder();
        for (byte x : r.data().asByteArray()) hex.append(String.format("%02x", x));
        datas.add(r.partitionKey() + ":" + hex);
      }
      System.out.println("shard0=" + String.join(",", datas));
      Instant arrival = got.records().get(0).approximateArrivalTimestamp();
      System.out.println("arrival_recent=" + (Math.abs(arrival.toEpochMilli() - Instant.now().toEpochMilli()) < 600000));
      System.out.println("behind=" + got.millisBehindLatest());
      String ts = c.getShardIterator(b -> b.streamName(name).shardId("shardId-000000000000")
                                             .shardIteratorType(ShardIteratorType.AT_TIMESTAMP).timestamp(arrival)).shardIterator();
      System.out.println("at_timestamp_count=" + c.getRecords(b -> b.shardIterator(ts)).records().size());
      try {
        c.describeStream(b -> b.streamName(name + "-missing"));
        System.out.println("missing=no error");
      } catch (ResourceNotFoundException e) {
        System.out.println("missing=ResourceNotFoundException");
      }
      c.deleteStream(b -> b.streamName(name));
      System.out.println("done=true");
    }
  }
}
