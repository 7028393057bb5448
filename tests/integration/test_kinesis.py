"""Kinesis Data Streams and the API-Gateway facade against the real binary: boto3 (JSON 1.1),
hand-built CBOR requests, awscli, a script in the original's style (requests PUT to the facade),
SigV4 verification, kill -9 under PutRecords load, and the same boto3 script against moto."""
import base64
import json
import re
import shutil
import subprocess
import threading
import time

import pytest
import requests

from kinesis_helpers import (boto3_client, cbor_call, cbor_decode, cbor_encode,
                             kinesis_script, CborTimestampMs)

SERVER_SETS = ("sink.enabled=false", "scheduler.enabled=false")


@pytest.fixture
def kserver(server_factory):
    return server_factory(SERVER_SETS).start()


def test_boto3_every_core_operation(kserver):
    out = kinesis_script(boto3_client(kserver.url), "orders")
    assert out["create_again"] == "ResourceInUseException"
    assert out["describe"] == {
        "status": "ACTIVE", "retention": 24, "has_more": False, "mode": "PROVISIONED",
        "shards": [("shardId-000000000000", "0", "113427455640312821154458202477256070484", False),
                   ("shardId-000000000001", "113427455640312821154458202477256070485",
                    "226854911280625642308916404954512140969", False),
                   ("shardId-000000000002", "226854911280625642308916404954512140970",
                    "340282366920938463463374607431768211455", False)],
        "arn_suffix": "stream/orders"}
    assert out["summary"] == {"open": 3, "status": "ACTIVE", "retention": 24}
    assert out["list_streams"] == ["orders"]
    assert out["list_shards"] == ["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"]
    assert out["put_record_shards"] == {"a": "shardId-000000000000", "b": "shardId-000000000001",
                                        "e": "shardId-000000000002", "f": "shardId-000000000001"}
    assert out["put_records"] == {"failed": 0, "shards": ["shardId-000000000001", "shardId-000000000001",
                                                          "shardId-000000000002", "shardId-000000000000"]}
    assert out["seq_increasing"]
    assert out["explicit_hash_key"] == "shardId-000000000000"
    assert out["get_records"] == {"first": [(b"data-b", "b"), (b"data-f", "f")],
                                  "rest": [(b"batch-0", "f"), (b"batch-1", "b")],
                                  "behind_after_drain": 0, "next_present": True}
    assert out["at_seq"] == [b"data-f"]
    assert out["after_seq"] == [b"batch-0"]
    assert out["latest_empty"] == []
    assert out["latest_then"] == [b"after-latest"]
    assert out["at_timestamp_first"] == [b"data-b"]
    assert out["errors"] == {"describe_missing": "ResourceNotFoundException",
                             "put_missing": "ResourceNotFoundException",
                             "iterator_bad_shard": "ResourceNotFoundException",
                             "bad_iterator": "InvalidArgumentException",
                             "delete_missing": "ResourceNotFoundException"}
    assert out["tags"] == [{"Key": "team", "Value": "data"}]
    assert (out["retention_up"], out["retention_down"]) == (48, 24)
    assert out["after_delete"] == []
    assert out["consumer_registered"] == ("c1", "c1")
    assert out["consumer_again"] == "ResourceInUseException"
    assert out["consumers"] == ["c1"]
    assert out["consumer_described"] == ("c1", True)
    assert out["consumer_gone"] == "ResourceNotFoundException"


def test_stream_with_consumers_is_deleted_only_when_enforced(kserver):
    from botocore.exceptions import ClientError
    c = boto3_client(kserver.url)
    c.create_stream(StreamName="fan", ShardCount=1)
    arn = c.describe_stream_summary(StreamName="fan")["StreamDescriptionSummary"]["StreamARN"]
    c.register_stream_consumer(StreamARN=arn, ConsumerName="app")
    assert c.describe_stream_summary(StreamName="fan")["StreamDescriptionSummary"]["ConsumerCount"] == 1
    with pytest.raises(ClientError) as e:
        c.delete_stream(StreamName="fan")
    assert e.value.response["Error"]["Code"] == "ResourceInUseException"
    c.delete_stream(StreamName="fan", EnforceConsumerDeletion=True)
    assert c.list_streams()["StreamNames"] == []


def test_delete_stream_deletes_its_records_and_a_recreated_stream_starts_empty(kserver):
    """DeleteStream removes the stream's log topic: the REST Proxy no longer knows it, and a
    stream created again under the name holds only what is put after, from offset 0."""
    c = boto3_client(kserver.url)
    c.create_stream(StreamName="again", ShardCount=2)
    for i in range(5):
        c.put_record(StreamName="again", Data=f"old{i}".encode(), PartitionKey=f"k{i}")
    assert requests.get(kserver.url + "/topics/again").status_code == 200
    c.delete_stream(StreamName="again")
    assert requests.get(kserver.url + "/topics/again").status_code == 404
    assert c.list_streams()["StreamNames"] == []
    c.create_stream(StreamName="again", ShardCount=1)
    c.put_record(StreamName="again", Data=b"new", PartitionKey="k")
    data, _ = _read_shard(c, "again", "shardId-000000000000")
    assert data == [b"new"]
    t = requests.get(kserver.url + "/topics/again").json()
    assert len(t["partitions"]) == 1
    offsets = requests.get(kserver.url + "/topics/again/partitions/0/offsets").json()
    assert (offsets["beginning_offset"], offsets["end_offset"]) == (0, 1)


def test_the_stream_is_a_log_topic_with_a_partition_per_shard(kserver):
    c = boto3_client(kserver.url)
    c.create_stream(StreamName="streaming-x-pin", ShardCount=2)
    c.put_record(StreamName="streaming-x-pin", Data=b'{"a":1}', PartitionKey="a")  # shard 0 of 2
    t = requests.get(kserver.url + "/topics/streaming-x-pin").json()
    assert len(t["partitions"]) == 2
    # The REST Proxy reads the same record: value = Data, key = PartitionKey.
    base = kserver.url + "/consumers/g"
    h = {"Content-Type": "application/vnd.kafka.v2+json"}
    requests.post(base, json={"name": "c", "format": "binary", "auto.offset.reset": "earliest"}, headers=h)
    requests.post(base + "/instances/c/subscription", json={"topics": ["streaming-x-pin"]}, headers=h)
    recs = []
    for _ in range(20):
        recs += requests.get(base + "/instances/c/records", headers={"Accept": "application/vnd.kafka.binary.v2+json"}).json()
        if recs:
            break
    assert [(base64.b64decode(r["key"]), base64.b64decode(r["value"]), r["partition"]) for r in recs] == \
        [(b"a", b'{"a":1}', 0)]


def _read_shard(c, stream, shard_id):
    """Every record of a shard from TRIM_HORIZON, and the last GetRecords answer."""
    it = c.get_shard_iterator(StreamName=stream, ShardId=shard_id,
                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    data, last = [], None
    for _ in range(20):
        last = c.get_records(ShardIterator=it)
        data += [r["Data"] for r in last["Records"]]
        it = last.get("NextShardIterator")
        if not it or not last["Records"]:
            break
    return data, last


def test_resharding_with_boto3(kserver):
    """SplitShard, MergeShards and UpdateShardCount (issue 17): parents closed at their last
    record's sequence number, children as new log partitions with the right hash ranges and
    parents, puts routed to the children, and a drained parent's GetRecords ends with
    ChildShards and no NextShardIterator."""
    c = boto3_client(kserver.url)
    c.create_stream(StreamName="rs", ShardCount=1)
    first = c.put_record(StreamName="rs", Data=b"before", PartitionKey="a")
    half = str(2 ** 127)
    c.split_shard(StreamName="rs", ShardToSplit="shardId-000000000000", NewStartingHashKey=half)
    shards = c.list_shards(StreamName="rs")["Shards"]
    assert [s["ShardId"] for s in shards] == [f"shardId-00000000000{i}" for i in range(3)]
    assert shards[0]["SequenceNumberRange"]["EndingSequenceNumber"] == first["SequenceNumber"]
    assert [(s["HashKeyRange"]["StartingHashKey"], s["HashKeyRange"]["EndingHashKey"], s["ParentShardId"])
            for s in shards[1:]] == [("0", str(2 ** 127 - 1), "shardId-000000000000"),
                                     (half, str(2 ** 128 - 1), "shardId-000000000000")]
    with pytest.raises(c.exceptions.ResourceInUseException):
        c.split_shard(StreamName="rs", ShardToSplit="shardId-000000000000", NewStartingHashKey="7")
    # The log topic grew: the REST Proxy sees three partitions.
    assert len(requests.get(kserver.url + "/topics/rs").json()["partitions"]) == 3
    after = c.put_record(StreamName="rs", Data=b"after", PartitionKey="a")
    assert after["ShardId"] != "shardId-000000000000"
    data, last = _read_shard(c, "rs", "shardId-000000000000")
    assert data == [b"before"]
    assert last.get("NextShardIterator") is None
    assert sorted(ch["ShardId"] for ch in last["ChildShards"]) == ["shardId-000000000001",
                                                                  "shardId-000000000002"]
    assert all(ch["ParentShards"] == ["shardId-000000000000"] for ch in last["ChildShards"])
    assert _read_shard(c, "rs", after["ShardId"])[0] == [b"after"]

    c.merge_shards(StreamName="rs", ShardToMerge="shardId-000000000001",
                   AdjacentShardToMerge="shardId-000000000002")
    merged = c.list_shards(StreamName="rs")["Shards"][3]
    assert (merged["ParentShardId"], merged["AdjacentParentShardId"]) == ("shardId-000000000001",
                                                                         "shardId-000000000002")
    assert merged["HashKeyRange"] == {"StartingHashKey": "0", "EndingHashKey": str(2 ** 128 - 1)}
    open_shards = c.list_shards(StreamName="rs", ShardFilter={"Type": "AT_LATEST"})["Shards"]
    assert [s["ShardId"] for s in open_shards] == ["shardId-000000000003"]

    up = c.update_shard_count(StreamName="rs", TargetShardCount=2, ScalingType="UNIFORM_SCALING")
    assert (up["CurrentShardCount"], up["TargetShardCount"]) == (1, 2)
    shards = c.list_shards(StreamName="rs")["Shards"]
    assert [(s["ShardId"], s["ParentShardId"]) for s in shards[4:]] == [
        ("shardId-000000000004", "shardId-000000000003"), ("shardId-000000000005", "shardId-000000000003")]
    assert c.describe_stream_summary(StreamName="rs")["StreamDescriptionSummary"]["OpenShardCount"] == 2
    assert _read_shard(c, "rs", "shardId-000000000003")[1]["ChildShards"]
    with pytest.raises(c.exceptions.InvalidArgumentException):
        c.update_shard_count(StreamName="rs", TargetShardCount=5, ScalingType="UNIFORM_SCALING")


def test_list_paging_both_styles_and_list_shards_filters(kserver):
    c = boto3_client(kserver.url)
    for n in ("s1", "s2", "s3"):
        c.create_stream(StreamName=n, ShardCount=2)
    p1 = c.list_streams(Limit=2)
    assert p1["StreamNames"] == ["s1", "s2"] and p1["HasMoreStreams"]
    assert c.list_streams(ExclusiveStartStreamName="s2")["StreamNames"] == ["s3"]
    # NextToken and StreamSummaries (newer models; Debian's botocore predates them): raw JSON.
    raw = _json_call(kserver.url, "ListStreams", {"Limit": 2}).json()
    assert [s["StreamName"] for s in raw["StreamSummaries"]] == ["s1", "s2"]
    assert _json_call(kserver.url, "ListStreams", {"NextToken": raw["NextToken"]}).json()["StreamNames"] == ["s3"]
    page = c.list_shards(StreamName="s1", MaxResults=1)
    assert [s["ShardId"] for s in page["Shards"]] == ["shardId-000000000000"]
    assert [s["ShardId"] for s in c.list_shards(NextToken=page["NextToken"])["Shards"]] == ["shardId-000000000001"]
    assert [s["ShardId"] for s in c.list_shards(StreamName="s1", ShardFilter={
        "Type": "AFTER_SHARD_ID", "ShardId": "shardId-000000000000"})["Shards"]] == ["shardId-000000000001"]
    assert len(c.list_shards(StreamName="s1", ShardFilter={"Type": "AT_LATEST"})["Shards"]) == 2
    d = c.describe_stream(StreamName="s1", Limit=1)["StreamDescription"]
    assert d["HasMoreShards"] and len(d["Shards"]) == 1


def test_cbor_requests_and_answers(kserver):
    url = kserver.url
    r, body = cbor_call(url, "CreateStream", {"StreamName": "cb", "ShardCount": 1})
    assert r.status_code == 200 and r.content == b""
    assert r.headers["Content-Type"] == "application/x-amz-cbor-1.1"
    payload = bytes(range(256))
    r, body = cbor_call(url, "PutRecord", {"StreamName": "cb", "Data": payload, "PartitionKey": "k"})
    assert r.status_code == 200, body
    assert body["ShardId"] == "shardId-000000000000" and int(body["SequenceNumber"]) > 0
    r, body = cbor_call(url, "PutRecords", {"StreamName": "cb", "Records": [
        {"Data": b"\x00one", "PartitionKey": "a"}, {"Data": b"two", "PartitionKey": "b"}]})
    assert body["FailedRecordCount"] == 0 and len(body["Records"]) == 2
    before = int(time.time() * 1000) - 60000
    r, it = cbor_call(url, "GetShardIterator", {"StreamName": "cb", "ShardId": "shardId-000000000000",
                                                "ShardIteratorType": "AT_TIMESTAMP",
                                                "Timestamp": CborTimestampMs(before)})
    assert r.status_code == 200, it
    r, got = cbor_call(url, "GetRecords", {"ShardIterator": it["ShardIterator"]})
    assert r.status_code == 200, got
    assert [x["Data"] for x in got["Records"]] == [payload, b"\x00one", b"two"]  # byte strings, not base64
    ts = got["Records"][0]["ApproximateArrivalTimestamp"]
    assert ts[0] == "tag" and ts[1] == 1 and isinstance(ts[2], int)  # tag 1 + epoch milliseconds
    assert abs(ts[2] - time.time() * 1000) < 60000
    assert got["MillisBehindLatest"] == 0
    # Errors are CBOR maps with __type, and the x-amzn-ErrorType header.
    r, err = cbor_call(url, "DescribeStream", {"StreamName": "nope"})
    assert r.status_code == 400 and err["__type"] == "ResourceNotFoundException"
    assert r.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    bad = requests.post(url + "/", data=b"\xa1\x61", headers={
        "Content-Type": "application/x-amz-cbor-1.1", "X-Amz-Target": "Kinesis_20131202.ListStreams"})
    assert bad.status_code == 400 and cbor_decode(bad.content)["__type"] == "SerializationException"


def _json_call(url, op, body, raw=None):
    return requests.post(url + "/", data=raw if raw is not None else json.dumps(body), timeout=30, headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"Kinesis_20131202.{op}"})


def test_json_errors_and_limits(kserver):
    url = kserver.url
    assert _json_call(url, "CreateStream", {"StreamName": "lim", "ShardCount": 1}).status_code == 200
    r = _json_call(url, "NoSuchThing", {})
    assert (r.status_code, r.json()["__type"]) == (400, "UnknownOperationException")
    r = _json_call(url, "ListStreams", None, raw=b"{not json")
    assert (r.status_code, r.json()["__type"]) == (400, "SerializationException")
    r = _json_call(url, "PutRecord", {"StreamName": "lim", "PartitionKey": "a", "Data": "%%%"})
    assert r.json()["__type"] == "SerializationException"
    big = base64.b64encode(b"x" * (1024 * 1024 + 1)).decode()
    r = _json_call(url, "PutRecord", {"StreamName": "lim", "PartitionKey": "a", "Data": big})
    assert r.json()["__type"] == "ValidationException"
    assert "Member must have length less than or equal to 1048576" in r.json()["message"]
    exact = base64.b64encode(b"x" * (1024 * 1024 - 1)).decode()
    r = _json_call(url, "PutRecord", {"StreamName": "lim", "PartitionKey": "a", "Data": exact})
    assert r.status_code == 200
    # Every answer carries a request id shaped like AWS's (a version-4 UUID), each one new.
    uuid4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}")
    ids = {_json_call(url, "ListStreams", {}).headers["x-amzn-RequestId"] for _ in range(5)}
    ids.add(r.headers["x-amzn-RequestId"])
    assert len(ids) == 6 and all(uuid4.fullmatch(i) for i in ids), ids
    over = base64.b64encode(b"x" * (1024 * 1024)).decode()  # data + key = 1 MiB + 1
    assert _json_call(url, "PutRecord", {"StreamName": "lim", "PartitionKey": "a", "Data": over}).json()["__type"] == \
        "InvalidArgumentException"
    recs = [{"Data": "eA==", "PartitionKey": "a"}] * 501
    r = _json_call(url, "PutRecords", {"StreamName": "lim", "Records": recs})
    assert r.json()["__type"] == "ValidationException"
    # Over 5 MiB of records in a body under 7 MiB: InvalidArgument; a body over 7 MiB: 413.
    many = [{"Data": base64.b64encode(b"y" * (480 * 1024)).decode(), "PartitionKey": "a"}] * 11
    r = _json_call(url, "PutRecords", {"StreamName": "lim", "Records": many})
    assert r.json()["__type"] == "InvalidArgumentException"
    r = _json_call(url, "PutRecords", {"StreamName": "lim", "Records": many * 2})
    assert r.status_code == 413
    r = _json_call(url, "CreateStream", {"StreamName": "x" * 129, "ShardCount": 1})
    assert r.json()["__type"] == "ValidationException" and "streamName" in r.json()["message"]
    r = _json_call(url, "GetShardIterator", {"StreamName": "lim", "ShardId": "shardId-000000000000",
                                             "ShardIteratorType": "TRIM_HORIZON", "StartingSequenceNumber": "1"})
    assert r.json()["__type"] == "InvalidArgumentException"
    # A tampered iterator is refused.
    it = _json_call(url, "GetShardIterator", {"StreamName": "lim", "ShardId": "shardId-000000000000",
                                              "ShardIteratorType": "TRIM_HORIZON"}).json()["ShardIterator"]
    raw = bytearray(base64.b64decode(it))
    raw[20] ^= 1
    r = _json_call(url, "GetRecords", {"ShardIterator": base64.b64encode(bytes(raw)).decode()})
    assert r.json()["__type"] == "InvalidArgumentException"
    # Without X-Amz-Target, POST / stays the REST Proxy's liveness answer.
    assert requests.post(url + "/", data="{}").json() == {}


def test_facade_in_the_original_style(kserver):
    """What user_posting_emulation_streaming.py does: requests.request("PUT", invoke_url, ...)."""
    url = kserver.url
    row = {"index": 7528, "unique_id": "fbe53c66-3442-4773-b19e-d3ec6f54dddf", "title": "No Title Data Available",
           "follower_count": "0", "downloaded": 0}
    payload = json.dumps({"StreamName": "streaming-x-pin", "Data": row, "PartitionKey": "partition-1"}, default=str)
    r = requests.request("PUT", url + "/streams/streaming-x-pin/record", headers={"Content-Type": "application/json"},
                         data=payload)
    assert r.status_code == 200, r.text
    assert r.json()["ShardId"] == "shardId-000000000000" and int(r.json()["SequenceNumber"]) > 0
    # A string Data keeps its quotes (base64 of $input.json).
    requests.put(url + "/streams/streaming-x-pin/record", json={"Data": "some data", "PartitionKey": "k"})
    requests.put(url + "/streams/streaming-x-pin/records",
                 json={"records": [{"data": "raw one", "partition-key": "a"}, {"data": "raw two", "partition-key": "b"}]})
    it = requests.get(url + "/streams/streaming-x-pin/sharditerator", params={"shard-id": "shardId-000000000000"}).json()
    got = requests.get(url + "/streams/streaming-x-pin/records", headers={"Shard-Iterator": it["ShardIterator"]}).json()
    datas = [base64.b64decode(x["Data"]) for x in got["Records"]]
    assert json.loads(datas[0]) == row
    assert datas[0] == json.dumps(row, separators=(",", ":")).encode()  # the JSON text, minified
    assert datas[1:] == [b'"some data"', b"raw one", b"raw two"]
    assert got["MillisBehindLatest"] == 0 and got["NextShardIterator"]
    assert requests.get(url + "/streams").json()["StreamNames"] == ["streaming-x-pin"]
    # POST creates (ShardCount 5 by default), GET describes, DELETE deletes.
    assert requests.post(url + "/streams/other", json={}).status_code == 200
    d = requests.get(url + "/streams/other").json()["StreamDescription"]
    assert len(d["Shards"]) == 5
    assert requests.post(url + "/streams/three", json={"ShardCount": 3}).status_code == 200
    assert len(requests.get(url + "/streams/three").json()["StreamDescription"]["Shards"]) == 3
    assert requests.delete(url + "/streams/other").status_code == 200
    # Kinesis errors pass through API Gateway as 200 with the error body; DELETE maps 4xx to 400.
    r = requests.get(url + "/streams/other")
    assert r.status_code == 200 and r.json()["__type"] == "ResourceNotFoundException"
    assert requests.delete(url + "/streams/other").status_code == 400
    assert requests.get(url + "/streams", params={"Limit": 1}).json()["HasMoreStreams"] is True


def test_facade_auto_create_off(server_factory):
    s = server_factory(SERVER_SETS + ("kinesis.auto_create=false",)).start()
    r = requests.put(s.url + "/streams/nope/record", json={"Data": 1, "PartitionKey": "a"})
    assert r.status_code == 200 and r.json()["__type"] == "ResourceNotFoundException"


def test_sigv4_verified_when_credentials_are_configured(server_factory):
    s = server_factory(SERVER_SETS + ("kinesis.access_key_id=AKIDPINPIPE",
                                      "kinesis.secret_access_key=s3cr3t")).start()
    from botocore.exceptions import ClientError
    good = boto3_client(s.url, "AKIDPINPIPE", "s3cr3t")
    good.create_stream(StreamName="signed", ShardCount=1)
    assert good.put_record(StreamName="signed", Data=b"x", PartitionKey="a")["ShardId"] == "shardId-000000000000"
    for key, secret, code in (("AKIDPINPIPE", "wrong", "InvalidSignatureException"),
                              ("OTHER", "s3cr3t", "UnrecognizedClientException")):
        with pytest.raises(ClientError) as e:
            boto3_client(s.url, key, secret).list_streams()
        assert e.value.response["Error"]["Code"] == code
    r = _json_call(s.url, "ListStreams", {})
    assert (r.status_code, r.json()["__type"]) == (403, "MissingAuthenticationTokenException")


def test_signatures_are_parsed_without_credentials(kserver):
    r = requests.post(kserver.url + "/", data="{}", headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Kinesis_20131202.ListStreams",
        "Authorization": "AWS4-HMAC-SHA256 garbage"})
    assert (r.status_code, r.json()["__type"]) == (403, "IncompleteSignatureException")


@pytest.mark.skipif(shutil.which("aws") is None, reason="awscli is not installed (scripts/setup installs it)")
def test_awscli(kserver, tmp_path):
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "PATH": "/usr/bin:/bin:" + __import__("os").environ.get("PATH", ""), "HOME": str(tmp_path)}

    def aws(*args):
        p = subprocess.run(["aws", "--endpoint-url", kserver.url, "kinesis", *args, "--output", "json"],
                           capture_output=True, text=True, env=env, timeout=60)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout) if p.stdout.strip() else None

    aws("create-stream", "--stream-name", "cli", "--shard-count", "2")
    # awscli v1 sends --data as given (v2 expects base64; both reach the server as base64).
    put = aws("put-record", "--stream-name", "cli", "--partition-key", "a", "--data", "aGVsbG8=")
    assert put["ShardId"] == "shardId-000000000000"
    aws("put-records", "--stream-name", "cli", "--records", "Data=d29ybGQ=,PartitionKey=a")
    assert [s["ShardId"] for s in aws("list-shards", "--stream-name", "cli")["Shards"]] == \
        ["shardId-000000000000", "shardId-000000000001"]
    it = aws("get-shard-iterator", "--stream-name", "cli", "--shard-id", "shardId-000000000000",
             "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
    got = aws("get-records", "--shard-iterator", it)
    datas = [base64.b64decode(r["Data"]) for r in got["Records"]]
    assert datas in ([b"hello", b"world"], [b"aGVsbG8=", b"d29ybGQ="])  # v2 / v1 blob handling
    assert aws("describe-stream-summary", "--stream-name", "cli")["StreamDescriptionSummary"]["OpenShardCount"] == 2


def test_kill9_under_put_records_loses_nothing_acknowledged(server_factory):
    s = server_factory(SERVER_SETS).start()
    c = boto3_client(s.url)
    c.create_stream(StreamName="load", ShardCount=2)
    acked = {}  # data -> (shard, seq)
    stop = threading.Event()
    lock = threading.Lock()

    def writer(w):
        cl = boto3_client(s.url)
        n = 0
        while not stop.is_set():
            batch = [f"w{w}-{n + i}".encode() for i in range(50)]
            n += 50
            try:
                r = cl.put_records(StreamName="load", Records=[{"Data": d, "PartitionKey": d.decode()} for d in batch])
            except Exception:
                return
            with lock:
                for d, e in zip(batch, r["Records"]):
                    if "SequenceNumber" in e:
                        acked[d] = (e["ShardId"], int(e["SequenceNumber"]))

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    deadline = time.time() + 20
    while len(acked) < 2000 and time.time() < deadline:
        time.sleep(0.05)
    s.kill9()
    stop.set()
    for t in threads:
        t.join(30)
    with lock:
        acked_now = dict(acked)
    assert len(acked_now) >= 500
    s.start()
    c = boto3_client(s.url)
    stored = {}
    for shard in ("shardId-000000000000", "shardId-000000000001"):
        it = c.get_shard_iterator(StreamName="load", ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while True:
            g = c.get_records(ShardIterator=it, Limit=10000)
            for r in g["Records"]:
                stored[r["Data"]] = (shard, int(r["SequenceNumber"]))
            if not g["Records"] or g["MillisBehindLatest"] == 0 and not g["Records"]:
                break
            it = g["NextShardIterator"]
    missing = [d for d in acked_now if d not in stored]
    assert not missing, f"{len(missing)} acknowledged records lost, e.g. {missing[:3]}"
    assert all(stored[d] == acked_now[d] for d in acked_now)  # same shard, same sequence number
    # Sequence numbers keep increasing after the restart.
    for shard in ("shardId-000000000000", "shardId-000000000001"):
        top = max(seq for sh, seq in stored.values() if sh == shard)
        key = "a" if shard.endswith("0") else "b"
        r = c.put_record(StreamName="load", Data=b"after", PartitionKey=key, ExplicitHashKey=(
            "0" if shard.endswith("0") else "340282366920938463463374607431768211455"))
        assert r["ShardId"] == shard and int(r["SequenceNumber"]) > top


def test_same_script_against_moto(kserver, tmp_path, moto):
    theirs = kinesis_script(boto3_client(moto), "orders")
    ours = kinesis_script(boto3_client(kserver.url), "orders")
    # Where moto departs from AWS (what pinpipe answers is checked against AWS's documented
    # behaviour in test_boto3_every_core_operation), moto's answer is pinned here, so a moto
    # that changes is noticed; everything else must be equal.
    for path, moto_answer in MOTO_DEPARTURES.items():
        holder_t, holder_o = theirs, ours
        for k in path[:-1]:
            holder_t, holder_o = holder_t[k], holder_o[k]
        assert holder_t[path[-1]] == moto_answer, (path, holder_t[path[-1]])
        holder_t[path[-1]] = holder_o[path[-1]]
    (tmp_path / "moto-diff.json").write_text(json.dumps({"ours": ours, "theirs": theirs}, default=repr, indent=1))
    assert theirs == ours


# moto 5.2.5: DescribeStream has no StreamModeDetails (AWS sends it); a malformed shard
# iterator is an internal error (500) where AWS answers InvalidArgumentException; registering a
# consumer name twice succeeds and lists it twice (AWS: ResourceInUseException), so one
# deregistration leaves the other.
MOTO_DEPARTURES = {("describe", "mode"): None, ("errors", "bad_iterator"): "500",
                   ("consumer_again",): "no error", ("consumers",): ["c1", "c1"],
                   ("consumer_gone",): "no error"}


def _java_sdk():
    """The AWS SDK for Java v2 jars of the peer kit and javac, or None (PINPIPE_PEERS=none)."""
    import os
    from pathlib import Path
    if os.environ.get("PINPIPE_PEERS") == "none":
        return None
    proc = subprocess.run([str(Path(__file__).resolve().parents[1] / "peers" / "peer"), "awssdk", "env", "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, f"peer awssdk: {proc.stderr.strip()}"
    env = json.loads(proc.stdout)
    return env["PINPIPE_PEER_AWSSDK_CLASSPATH"]  # ".../libs/*"


class RecordingProxy:
    """Forwards every request to `target` and records its Content-Type (to see what the SDK sent)."""

    def __init__(self, target):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        self.content_types = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                proxy.content_types.append(self.headers.get("Content-Type"))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                r = requests.post(target + self.path, data=body, headers=headers, timeout=30)
                self.send_response(r.status_code)
                for k, v in r.headers.items():
                    if k.lower() not in ("content-length", "connection", "date", "server", "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(r.content)))
                self.end_headers()
                self.wfile.write(r.content)

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("cbor", [True, False], ids=["cbor", "json"])
def test_aws_sdk_for_java_v2(kserver, tmp_path, cbor):
    libs = _java_sdk()
    if libs is None:
        pytest.skip("PINPIPE_PEERS=none")
    from pathlib import Path
    src = Path(__file__).resolve().parent / "kinesis_java" / "KinesisSdkCheck.java"
    proxy = RecordingProxy(kserver.url)
    try:
        p = subprocess.run(["java", f"-Daws.cborEnabled={'true' if cbor else 'false'}",
                            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                            "-cp", libs, str(src), proxy.url, "javasdk"],
                           capture_output=True, text=True, timeout=240)
    finally:
        proxy.close()
    assert p.returncode == 0, p.stdout + p.stderr
    out = dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)
    assert out == {
        "status": "ACTIVE", "open_shards": "2", "created_recent": "true", "put_shard": "shardId-000000000000",
        "put_records_failed": "0", "shards": "shardId-000000000000,shardId-000000000001",
        # a and c → shard 0 of 2 (their MD5s are below 2^127), b → shard 1.
        "shard0": "a:000102ff,a:7265632d61,c:7265632d63", "arrival_recent": "true", "behind": "0",
        "at_timestamp_count": "3", "missing": "ResourceNotFoundException", "done": "true"}
    expected = "application/x-amz-cbor-1.1" if cbor else "application/x-amz-json-1.1"
    assert proxy.content_types and set(proxy.content_types) == {expected}


def test_put_records_failures_are_reported_in_place(server_factory):
    s = server_factory(SERVER_SETS + ("kinesis.fault_throttle_percent=30", "kinesis.fault_internal_percent=20")).start()
    c = boto3_client(s.url)
    c.create_stream(StreamName="faulty", ShardCount=2)
    datas = [f"r{i}".encode() for i in range(500)]
    r = c.put_records(StreamName="faulty", Records=[{"Data": d, "PartitionKey": d.decode()} for d in datas])
    entries = r["Records"]
    assert len(entries) == 500
    failed = [e for e in entries if "ErrorCode" in e]
    assert r["FailedRecordCount"] == len(failed) and 100 < len(failed) < 400  # ~50% injected
    codes = {e["ErrorCode"] for e in failed}
    assert codes == {"ProvisionedThroughputExceededException", "InternalFailure"}
    assert all(e["ErrorMessage"] == "Internal Service Failure" for e in failed if e["ErrorCode"] == "InternalFailure")
    assert all("Rate exceeded for shard" in e["ErrorMessage"] for e in failed
               if e["ErrorCode"] == "ProvisionedThroughputExceededException")
    # Exactly the records answered with a sequence number are stored, each under that number.
    ok = {d: (e["ShardId"], e["SequenceNumber"]) for d, e in zip(datas, entries) if "SequenceNumber" in e}
    stored = {}
    for shard in ("shardId-000000000000", "shardId-000000000001"):
        it = c.get_shard_iterator(StreamName="faulty", ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for rec in c.get_records(ShardIterator=it)["Records"]:
            stored[rec["Data"]] = (shard, rec["SequenceNumber"])
    assert stored == ok


def test_throttle_fails_records_over_a_shards_budget_in_place(server_factory):
    # kinesis.throttle with 100 records/s per shard: one PutRecords of 300 records over two
    # shards is judged at one instant, so exactly each shard's first 100 records pass.
    import hashlib
    s = server_factory(SERVER_SETS + ("kinesis.throttle=true",
                                      "kinesis.throttle_limits=1048576,100,2097152,5")).start()
    c = boto3_client(s.url)
    c.create_stream(StreamName="tight", ShardCount=2)
    keys = [f"k{i}" for i in range(300)]
    shard_of = {k: int(int.from_bytes(hashlib.md5(k.encode()).digest(), "big") >= 2 ** 127) for k in keys}
    r = c.put_records(StreamName="tight", Records=[{"Data": k.encode(), "PartitionKey": k} for k in keys])
    entries = r["Records"]
    assert len(entries) == 300
    seen = [0, 0]
    expect_ok = []
    for k in keys:
        seen[shard_of[k]] += 1
        expect_ok.append(seen[shard_of[k]] <= 100)
    assert [("ErrorCode" not in e) for e in entries] == expect_ok
    failed = [(k, e) for k, e in zip(keys, entries) if "ErrorCode" in e]
    assert r["FailedRecordCount"] == len(failed) == sum(max(0, n - 100) for n in seen) > 0
    for k, e in failed:
        assert e["ErrorCode"] == "ProvisionedThroughputExceededException"
        assert e["ErrorMessage"] == (f"Rate exceeded for shard shardId-00000000000{shard_of[k]} in stream tight "
                                     "under account 000000000000.")
    # Every record answered with a sequence number is readable under it; no failed one is.
    ok = {k.encode(): (e["ShardId"], e["SequenceNumber"]) for k, e in zip(keys, entries) if "SequenceNumber" in e}
    stored = {}
    for shard in ("shardId-000000000000", "shardId-000000000001"):
        it = c.get_shard_iterator(StreamName="tight", ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for rec in c.get_records(ShardIterator=it)["Records"]:
            stored[rec["Data"]] = (shard, rec["SequenceNumber"])
    assert stored == ok


def test_stream_emulator_retries_throttling_without_loss(server_factory, tmp_path):
    s = server_factory(SERVER_SETS + ("kinesis.fault_throttle_percent=40",)).start()
    db = tmp_path / "source.db"
    assert subprocess.run([BIN_PATH(), "db", "init", "--db", f"sqlite://{db}"], capture_output=True).returncode == 0
    p = subprocess.run([BIN_PATH(), "emulate", "--mode", "stream", "--db", f"sqlite://{db}", "--api", s.url,
                        "--id", "t", "--count", "20", "--python-compatible", "--no-sleep", "--quiet",
                        "--max-attempts", "30", "--retry-base-ms", "1"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "sent 20 interactions" in p.stdout and "failed 0" in p.stdout
    retries = int(p.stdout.split("retries ")[1].split()[0].replace(",", ""))
    assert retries > 0  # 40% of the first attempts are throttled
    c = boto3_client(s.url)
    for t in ("pin", "geo", "user"):
        it = c.get_shard_iterator(StreamName=f"streaming-t-{t}", ShardId="shardId-000000000000",
                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        assert len(c.get_records(ShardIterator=it)["Records"]) == 20  # each row once: no loss, no duplicate


def BIN_PATH():
    from conftest import BIN
    return BIN
