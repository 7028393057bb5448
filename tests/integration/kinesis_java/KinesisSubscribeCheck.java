// SubscribeToShard through the AWS SDK for Java v2's async client (Netty, HTTP/2 with prior
// knowledge on an http:// endpoint; CBOR unless -Daws.cborEnabled=false), driven by
// test_kinesis_subscribe.py over stdin/stdout:
//   1. describeStreamConsumer (an ordinary call over HTTP/2), then subscribe from TRIM_HORIZON;
//      print "ready1" and collect <n1> records (the test puts them while it waits);
//   2. subscribe again at once: print "early=<exception>" (ResourceInUseException);
//   3. cancel, print "ready2", wait for a line on stdin (the test put <n2> more), wait until
//      5 s passed since the first call, subscribe AFTER_SEQUENCE_NUMBER the last continuation
//      number and collect <n2> records.
// Each record: "rec=<phase>|<partition key>|<data>|<sequence number>"; each event with records:
// "cont=<phase>|<continuation number>|<millis behind>".
// Usage: java -cp <awssdk libs>/* KinesisSubscribeCheck.java <endpoint> <consumer ARN> <shard> <n1> <n2>
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.*;

public class KinesisSubscribeCheck {
  static class Collector implements Subscriber<SubscribeToShardEventStream> {
    final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    volatile Subscription sub;
    public void onSubscribe(Subscription s) { sub = s; s.request(Long.MAX_VALUE); }
    public void onNext(SubscribeToShardEventStream e) { if (e instanceof SubscribeToShardEvent) events.add(e); }
    public void onError(Throwable t) { events.add(t); }
    public void onComplete() { events.add("complete"); }
  }

  static KinesisAsyncClient client;
  static String consumer, shard;

  static CompletableFuture<Void> subscribe(Collector c, StartingPosition pos) {
    SubscribeToShardResponseHandler h = SubscribeToShardResponseHandler.builder()
        .onError(t -> {}).subscriber(() -> c).build();
    return client.subscribeToShard(b -> b.consumerARN(consumer).shardId(shard).startingPosition(pos), h);
  }

  // Collects n records; returns the last continuation number.
  static String collect(Collector c, String phase, int n) throws Exception {
    int got = 0;
    String cont = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (got < n) {
      Object o = c.events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (o == null) throw new RuntimeException(phase + ": timed out after " + got + " records");
      if (o instanceof Throwable) throw new RuntimeException(phase + ": " + o, (Throwable) o);
      if (!(o instanceof SubscribeToShardEvent)) throw new RuntimeException(phase + ": ended after " + got);
      SubscribeToShardEvent e = (SubscribeToShardEvent) o;
      for (software.amazon.awssdk.services.kinesis.model.Record r : e.records()) {
        System.out.println("rec=" + phase + "|" + r.partitionKey() + "|" + r.data().asString(StandardCharsets.UTF_8)
                           + "|" + r.sequenceNumber());
        got++;
      }
      cont = e.continuationSequenceNumber();
      if (!e.records().isEmpty()) System.out.println("cont=" + phase + "|" + cont + "|" + e.millisBehindLatest());
    }
    return cont;
  }

  public static void main(String[] args) throws Exception {
    String endpoint = args[0];
    consumer = args[1];
    shard = args[2];
    int n1 = Integer.parseInt(args[3]), n2 = Integer.parseInt(args[4]);
    client = KinesisAsyncClient.builder()
        .endpointOverride(URI.create(endpoint))
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
        .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP2)
                               .readTimeout(Duration.ofSeconds(30)))
        .build();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    try {
      ConsumerDescription d = client.describeStreamConsumer(b -> b.consumerARN(consumer)).join().consumerDescription();
      System.out.println("consumer=" + d.consumerName() + "|" + d.consumerStatusAsString());
      long first = System.nanoTime();
      Collector c1 = new Collector();
      CompletableFuture<Void> f1 = subscribe(c1, StartingPosition.builder().type(ShardIteratorType.TRIM_HORIZON).build());
      System.out.println("ready1");
      System.out.flush();
      String cont = collect(c1, "1", n1);
      Collector c2 = new Collector();
      try {
        subscribe(c2, StartingPosition.builder().type(ShardIteratorType.LATEST).build()).join();
        System.out.println("early=no error");
      } catch (CompletionException e) {
        System.out.println("early=" + e.getCause().getClass().getSimpleName());
      }
      c1.sub.cancel();
      System.out.println("ready2");
      System.out.flush();
      in.readLine();
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - first);
      if (waited < 5500) Thread.sleep(5500 - waited);
      Collector c3 = new Collector();
      subscribe(c3, StartingPosition.builder().type(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(cont).build());
      collect(c3, "2", n2);
      c3.sub.cancel();
      System.out.println("done=true");
    } finally {
      client.close();
    }
    System.exit(0);
  }
}
