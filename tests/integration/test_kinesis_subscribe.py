"""SubscribeToShard against the real binary: the AWS SDK for Java v2's async client (HTTP/2 with
prior knowledge, CBOR and JSON) and boto3 (HTTP/1.1, chunked), with records put by boto3 while
subscribed: every record arrives once and in order, continuation numbers resume exactly, an
early re-subscribe is ResourceInUseException, a later one takes over."""
import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from kinesis_helpers import boto3_client

SERVER_SETS = ("sink.enabled=false", "scheduler.enabled=false")
SHARD = "shardId-000000000000"


@pytest.fixture
def kserver(server_factory):
    return server_factory(SERVER_SETS).start()


def _stream_with_consumer(c, name, shards=1):
    c.create_stream(StreamName=name, ShardCount=shards)
    arn = c.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    return c.register_stream_consumer(StreamARN=arn, ConsumerName="efo")["Consumer"]["ConsumerARN"]


def _put(c, name, prefix, n):
    """Puts n records one by one (a key per record), returns [(key, data, sequence number)]."""
    out = []
    for i in range(n):
        key, data = f"k{i % 7}", f"{prefix}-{i}"
        r = c.put_record(StreamName=name, Data=data.encode(), PartitionKey=key)
        assert r["ShardId"] == SHARD
        out.append((key, data, r["SequenceNumber"]))
    return out


def _java_sdk():
    if os.environ.get("PINPIPE_PEERS") == "none":
        return None
    proc = subprocess.run([str(Path(__file__).resolve().parents[1] / "peers" / "peer"), "awssdk", "env", "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, f"peer awssdk: {proc.stderr.strip()}"
    return json.loads(proc.stdout)["PINPIPE_PEER_AWSSDK_CLASSPATH"]


@pytest.mark.parametrize("cbor", [True, False], ids=["cbor", "json"])
def test_aws_sdk_for_java_v2_subscribe_to_shard(kserver, cbor):
    libs = _java_sdk()
    if libs is None:
        pytest.skip("PINPIPE_PEERS=none")
    c = boto3_client(kserver.url)
    consumer = _stream_with_consumer(c, "efo-java")
    before = _put(c, "efo-java", "before", 5)  # read from TRIM_HORIZON
    src = Path(__file__).resolve().parent / "kinesis_java" / "KinesisSubscribeCheck.java"
    n_live, n_after = 20, 7
    p = subprocess.Popen(["java", f"-Daws.cborEnabled={'true' if cbor else 'false'}",
                          "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", libs, str(src),
                          kserver.url, consumer, SHARD, str(len(before) + n_live), str(n_after)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        def until(word):
            for line in p.stdout:
                line = line.rstrip("\n")
                lines.append(line)
                if line == word:
                    return
            raise AssertionError(f"java ended before {word}: {lines} {p.stderr.read()}")
        until("ready1")
        time.sleep(0.5)  # subscribed (the first event came or is coming)
        live = _put(c, "efo-java", "live", n_live)
        until("ready2")
        after = _put(c, "efo-java", "after", n_after)
        p.stdin.write("go\n")
        p.stdin.flush()
        rest, err = p.communicate(timeout=120)
        lines += rest.splitlines()
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, "\n".join(lines) + err
    assert "consumer=efo|ACTIVE" in lines
    recs = [line[4:].split("|") for line in lines if line.startswith("rec=")]
    # Every record once, in order, with the sequence number PutRecord answered.
    assert [(k, d, s) for ph, k, d, s in recs if ph == "1"] == before + live
    assert [(k, d, s) for ph, k, d, s in recs if ph == "2"] == after
    conts = [line[5:].split("|") for line in lines if line.startswith("cont=")]
    # An event's continuation number is its last record's: a re-subscribe AFTER it resumes
    # with the next record, none lost or repeated (checked above).
    seqs = {s: ph for ph, k, d, s in recs}
    assert conts and all(seqs.get(cont) == ph for ph, cont, behind in conts)
    assert all(int(behind) >= 0 for ph, cont, behind in conts)
    assert "early=ResourceInUseException" in lines
    assert "done=true" in lines


def test_boto3_subscribe_to_shard_over_http1(kserver):
    c = boto3_client(kserver.url)
    consumer = _stream_with_consumer(c, "efo-py", shards=1)
    before = _put(c, "efo-py", "before", 3)
    r = c.subscribe_to_shard(ConsumerARN=consumer, ShardId=SHARD, StartingPosition={"Type": "TRIM_HORIZON"})
    got, conts = [], []
    live = []

    def writer():
        time.sleep(0.3)
        live.extend(_put(boto3_client(kserver.url), "efo-py", "live", 10))
    t = threading.Thread(target=writer)
    t.start()
    for ev in r["EventStream"]:
        e = ev["SubscribeToShardEvent"]
        got += [(x["PartitionKey"], x["Data"].decode(), x["SequenceNumber"]) for x in e["Records"]]
        conts.append(e["ContinuationSequenceNumber"])
        assert e["MillisBehindLatest"] >= 0
        if len(got) >= 13:
            break
    t.join()
    assert got == before + live
    assert conts[-1] == got[-1][2]
    r["EventStream"].close()
    # Within 5 s of the last call: ResourceInUse.
    with pytest.raises(c.exceptions.ResourceInUseException):
        c.subscribe_to_shard(ConsumerARN=consumer, ShardId=SHARD, StartingPosition={"Type": "LATEST"})


def test_subscribe_errors(kserver):
    c = boto3_client(kserver.url)
    consumer = _stream_with_consumer(c, "efo-err", shards=2)
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.subscribe_to_shard(ConsumerARN=consumer.replace("consumer/efo:", "consumer/nope:"), ShardId=SHARD,
                             StartingPosition={"Type": "LATEST"})
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000009", StartingPosition={"Type": "LATEST"})
    with pytest.raises(c.exceptions.InvalidArgumentException):
        c.subscribe_to_shard(ConsumerARN=consumer, ShardId=SHARD, StartingPosition={"Type": "AT_SEQUENCE_NUMBER"})
    with pytest.raises(c.exceptions.InvalidArgumentException):
        # a sequence number of shard 0 used on shard 1
        seq = c.put_record(StreamName="efo-err", Data=b"x", ExplicitHashKey="0", PartitionKey="p")["SequenceNumber"]
        c.subscribe_to_shard(ConsumerARN=consumer, ShardId="shardId-000000000001",
                             StartingPosition={"Type": "AT_SEQUENCE_NUMBER", "SequenceNumber": seq})


def test_http2_prior_knowledge_and_http1_share_the_port(kserver):
    """curl speaks HTTP/2 with prior knowledge (nghttp2 on its side too): the same routes answer
    as over HTTP/1.1 — health, Kinesis calls, unknown paths — and a SubscribeToShard stream
    arrives as DATA frames."""
    import shutil
    assert shutil.which("curl")

    def curl(*args):
        p = subprocess.run(["curl", "-s", "--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}", *args],
                           capture_output=True, timeout=30)
        body, _, status = p.stdout.rpartition(b"\n")
        return status.decode(), body

    assert curl(kserver.url + "/healthz") == ("2 200", b'{"status":"ok"}')
    assert curl(kserver.url + "/no/such/path")[0] == "2 404"
    kin = ["-X", "POST", "-H", "Content-Type: application/x-amz-json-1.1"]
    status, body = curl(*kin, "-H", "X-Amz-Target: Kinesis_20131202.CreateStream",
                        "-d", '{"StreamName":"h2","ShardCount":1}', kserver.url + "/")
    assert (status, body) == ("2 200", b"")
    c = boto3_client(kserver.url)  # HTTP/1.1 on the same port
    assert c.list_streams()["StreamNames"] == ["h2"]
    arn = c.describe_stream_summary(StreamName="h2")["StreamDescriptionSummary"]["StreamARN"]
    consumer = c.register_stream_consumer(StreamARN=arn, ConsumerName="efo")["Consumer"]["ConsumerARN"]
    seq = c.put_record(StreamName="h2", Data=b"over-h2", PartitionKey="k")["SequenceNumber"]
    # The subscription runs until its client leaves: curl's --max-time ends it after the events.
    status, body = curl("--max-time", "2", *kin, "-H", "X-Amz-Target: Kinesis_20131202.SubscribeToShard",
                        "-d", json.dumps({"ConsumerARN": consumer, "ShardId": SHARD,
                                          "StartingPosition": {"Type": "TRIM_HORIZON"}}), kserver.url + "/")
    assert status == "2 200"
    import base64
    import struct
    events, rest = [], body
    while len(rest) >= 16:
        total, hlen = struct.unpack(">II", rest[:8])
        events.append((rest[12:12 + hlen], rest[12 + hlen:total - 4]))
        rest = rest[total:]
    assert b"initial-response" in events[0][0] and events[0][1] == b"{}"
    first = json.loads(events[1][1])
    assert [(r["Data"], r["SequenceNumber"]) for r in first["Records"]] == \
        [(base64.b64encode(b"over-h2").decode(), seq)]
    assert first["ContinuationSequenceNumber"] == seq
