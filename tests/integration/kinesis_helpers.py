"""Helpers for the Kinesis tests: a boto3 client for an endpoint, a small independent CBOR
codec (RFC 8949, for hand-built application/x-amz-cbor-1.1 requests), the differential
script run against pinpipe and moto, and the moto peer."""
import json
import os
import struct
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PEER = ROOT / "tests" / "peers" / "peer"


def boto3_client(url, key="testing", secret="testing"):
    import boto3
    from botocore.config import Config
    return boto3.client("kinesis", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1}))


# --- CBOR (written from RFC 8949, independent of pinpipe's C++ codec) -------------------------
def _head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | ai]) + struct.pack(fmt, n)
    raise ValueError(n)


def create_and_put_pins(url, name, n=8, shards=2):
    """Creates stream `name` and puts n pin rows (index i, partition key k<i>) with boto3; the
    PutRecords answer."""
    c = boto3_client(url)
    c.create_stream(StreamName=name, ShardCount=shards)
    out = c.put_records(StreamName=name, Records=[
        {"Data": json.dumps({"index": i, "unique_id": f"u{i}", "title": f"pin {i}", "category": "art",
                             "follower_count": "5k"}).encode(), "PartitionKey": f"k{i}"} for i in range(n)])
    assert out["FailedRecordCount"] == 0, out
    return out


def cbor_encode(v):
    if v is None:
        return b"\xf6"
    if v is True:
        return b"\xf5"
    if v is False:
        return b"\xf4"
    if isinstance(v, int):
        return _head(0, v) if v >= 0 else _head(1, -1 - v)
    if isinstance(v, float):
        return b"\xfb" + struct.pack(">d", v)
    if isinstance(v, bytes):
        return _head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode()
        return _head(3, len(b)) + b
    if isinstance(v, list):
        return _head(4, len(v)) + b"".join(cbor_encode(x) for x in v)
    if isinstance(v, dict):
        return _head(5, len(v)) + b"".join(cbor_encode(k) + cbor_encode(x) for k, x in v.items())
    if isinstance(v, CborTimestampMs):
        return b"\xc1" + cbor_encode(v.ms)
    raise TypeError(type(v))


class CborTimestampMs:
    def __init__(self, ms):
        self.ms = ms


def cbor_decode(data):
    def item(i):
        ib = data[i]
        major, ai = ib >> 5, ib & 31
        i += 1
        if major == 7:
            if ai == 20:
                return False, i
            if ai == 21:
                return True, i
            if ai in (22, 23):
                return None, i
            if ai == 25:
                return struct.unpack(">e", data[i:i + 2])[0], i + 2
            if ai == 26:
                return struct.unpack(">f", data[i:i + 4])[0], i + 4
            if ai == 27:
                return struct.unpack(">d", data[i:i + 8])[0], i + 8
            raise ValueError(ai)
        if ai < 24:
            n = ai
        else:
            size = {24: 1, 25: 2, 26: 4, 27: 8}[ai]
            n = int.from_bytes(data[i:i + size], "big")
            i += size
        if major == 0:
            return n, i
        if major == 1:
            return -1 - n, i
        if major == 2:
            return bytes(data[i:i + n]), i + n
        if major == 3:
            return data[i:i + n].decode(), i + n
        if major == 4:
            out = []
            for _ in range(n):
                x, i = item(i)
                out.append(x)
            return out, i
        if major == 5:
            out = {}
            for _ in range(n):
                k, i = item(i)
                out[k], i = item(i)
            return out, i
        if major == 6:
            x, i = item(i)
            return ("tag", n, x), i
        raise ValueError(major)
    v, end = item(0)
    assert end == len(data), "trailing bytes"
    return v


def cbor_call(url, op, body):
    r = requests.post(url + "/", data=cbor_encode(body), timeout=10, headers={
        "Content-Type": "application/x-amz-cbor-1.1", "X-Amz-Target": f"Kinesis_20131202.{op}"})
    return r, (cbor_decode(r.content) if r.content else None)


# --- the differential script -------------------------------------------------------------------
def kinesis_script(c, name):
    """Operations every tested endpoint supports, returning what a client observes (values that
    differ by design between services — sequence numbers, iterators, ARN accounts, times — are
    reduced to their shape or relations)."""
    from botocore.exceptions import ClientError

    def err(fn, **kw):
        try:
            fn(**kw)
            return "no error"
        except ClientError as e:
            return e.response["Error"]["Code"]

    out = {}
    c.create_stream(StreamName=name, ShardCount=3)
    c.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    out["create_again"] = err(c.create_stream, StreamName=name, ShardCount=3)
    d = c.describe_stream(StreamName=name)["StreamDescription"]
    out["describe"] = {
        "status": d["StreamStatus"], "retention": d["RetentionPeriodHours"],
        "has_more": d["HasMoreShards"], "mode": d.get("StreamModeDetails", {}).get("StreamMode"),
        "shards": [(s["ShardId"], s["HashKeyRange"]["StartingHashKey"], s["HashKeyRange"]["EndingHashKey"],
                    "EndingSequenceNumber" in s["SequenceNumberRange"]) for s in d["Shards"]],
        "arn_suffix": d["StreamARN"].split(":")[-1],
    }
    s = c.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    out["summary"] = {"open": s["OpenShardCount"], "status": s["StreamStatus"], "retention": s["RetentionPeriodHours"]}
    out["list_streams"] = c.list_streams()["StreamNames"]
    ls = c.list_shards(StreamName=name)
    out["list_shards"] = [x["ShardId"] for x in ls["Shards"]]
    # Partition keys a, b, e, f land on shards 0, 1, 2, 1 (protocols.md §2.3).
    placed = {}
    seqs = {}
    for k in "abef":
        r = c.put_record(StreamName=name, Data=f"data-{k}".encode(), PartitionKey=k)
        placed[k] = r["ShardId"]
        seqs.setdefault(r["ShardId"], []).append(int(r["SequenceNumber"]))
    out["put_record_shards"] = placed
    pr = c.put_records(StreamName=name, Records=[{"Data": f"batch-{i}".encode(), "PartitionKey": k}
                                                  for i, k in enumerate("fbea")])
    out["put_records"] = {"failed": pr["FailedRecordCount"], "shards": [r["ShardId"] for r in pr["Records"]]}
    for r in pr["Records"]:
        seqs.setdefault(r["ShardId"], []).append(int(r["SequenceNumber"]))
    out["seq_increasing"] = all(v == sorted(v) and len(set(v)) == len(v) for v in seqs.values())
    out["explicit_hash_key"] = c.put_record(StreamName=name, Data=b"x", PartitionKey="zz",
                                            ExplicitHashKey="0")["ShardId"]
    # Reads: TRIM_HORIZON, Limit, NextShardIterator, AT/AFTER_SEQUENCE_NUMBER, LATEST.
    shard1 = "shardId-000000000001"
    it = c.get_shard_iterator(StreamName=name, ShardId=shard1, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    g = c.get_records(ShardIterator=it, Limit=2)
    first = g["Records"]
    g2 = c.get_records(ShardIterator=g["NextShardIterator"])
    out["get_records"] = {
        "first": [(r["Data"], r["PartitionKey"]) for r in first],
        "rest": [(r["Data"], r["PartitionKey"]) for r in g2["Records"]],
        "behind_after_drain": g2["MillisBehindLatest"],
        "next_present": bool(g2.get("NextShardIterator")),
    }
    at = c.get_shard_iterator(StreamName=name, ShardId=shard1, ShardIteratorType="AT_SEQUENCE_NUMBER",
                              StartingSequenceNumber=first[1]["SequenceNumber"])["ShardIterator"]
    after = c.get_shard_iterator(StreamName=name, ShardId=shard1, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                 StartingSequenceNumber=first[1]["SequenceNumber"])["ShardIterator"]
    out["at_seq"] = [r["Data"] for r in c.get_records(ShardIterator=at, Limit=1)["Records"]]
    out["after_seq"] = [r["Data"] for r in c.get_records(ShardIterator=after, Limit=1)["Records"]]
    latest = c.get_shard_iterator(StreamName=name, ShardId=shard1, ShardIteratorType="LATEST")["ShardIterator"]
    out["latest_empty"] = c.get_records(ShardIterator=latest)["Records"]
    c.put_record(StreamName=name, Data=b"after-latest", PartitionKey="b")
    out["latest_then"] = [r["Data"] for r in c.get_records(ShardIterator=latest)["Records"]]
    ts_it = c.get_shard_iterator(StreamName=name, ShardId=shard1, ShardIteratorType="AT_TIMESTAMP",
                                 Timestamp=first[0]["ApproximateArrivalTimestamp"])["ShardIterator"]
    out["at_timestamp_first"] = [r["Data"] for r in c.get_records(ShardIterator=ts_it, Limit=1)["Records"]]
    # Errors.
    out["errors"] = {
        "describe_missing": err(c.describe_stream, StreamName=name + "-missing"),
        "put_missing": err(c.put_record, StreamName=name + "-missing", Data=b"x", PartitionKey="a"),
        "iterator_bad_shard": err(c.get_shard_iterator, StreamName=name, ShardId="shardId-000000000099",
                                  ShardIteratorType="LATEST"),
        "bad_iterator": err(c.get_records, ShardIterator="AAAAAAAAAAFYVN3VlFy"),
        "delete_missing": err(c.delete_stream, StreamName=name + "-missing"),
    }
    # Tags and retention.
    c.add_tags_to_stream(StreamName=name, Tags={"team": "data", "env": "test"})
    c.remove_tags_from_stream(StreamName=name, TagKeys=["env"])
    out["tags"] = c.list_tags_for_stream(StreamName=name)["Tags"]
    c.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=48)
    out["retention_up"] = c.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["RetentionPeriodHours"]
    c.decrease_stream_retention_period(StreamName=name, RetentionPeriodHours=24)
    out["retention_down"] = c.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["RetentionPeriodHours"]
    # Stream consumers (registrations).
    arn = c.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    reg = c.register_stream_consumer(StreamARN=arn, ConsumerName="c1")["Consumer"]
    out["consumer_registered"] = (reg["ConsumerName"], reg["ConsumerARN"].split("/consumer/")[1].split(":")[0])
    out["consumer_again"] = err(c.register_stream_consumer, StreamARN=arn, ConsumerName="c1")
    out["consumers"] = [x["ConsumerName"] for x in c.list_stream_consumers(StreamARN=arn)["Consumers"]]
    desc = c.describe_stream_consumer(ConsumerARN=reg["ConsumerARN"])["ConsumerDescription"]
    out["consumer_described"] = (desc["ConsumerName"], desc["StreamARN"] == arn)
    c.deregister_stream_consumer(StreamARN=arn, ConsumerName="c1")
    out["consumer_gone"] = err(c.describe_stream_consumer, StreamARN=arn, ConsumerName="c1")
    c.delete_stream(StreamName=name)
    deadline = time.time() + 10
    while name in c.list_streams()["StreamNames"] and time.time() < deadline:
        time.sleep(0.1)
    out["after_delete"] = c.list_streams()["StreamNames"]
    return out


# --- the moto peer ------------------------------------------------------------------------------
def moto_env():
    """The moto peer's environment, or None when PINPIPE_PEERS=none (tests then skip)."""
    if os.environ.get("PINPIPE_PEERS") == "none":
        return None
    proc = subprocess.run([str(PEER), "moto", "env", "--json"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(f"peer moto: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


class MotoServer:
    """A private moto_server from the peer's venv on a free port (the shared peer is left alone)."""

    def __init__(self, env, port):
        exe = Path(env["PINPIPE_PEER_MOTO_PYTHON"]).parent / "moto_server"
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/moto-api/", timeout=0.5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError("moto_server did not start")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
