"""The live tail's records over the SSE feed (/ui/api/events?topic=): in log order, also when one
produce request gives many records the same timestamp (the tail once showed them shuffled)."""
import json

import requests

from rest_helpers import produce_json
from test_ui_api import UI, read_sse


def tail_offsets(url, topic, last_event_id):
    evs = read_sse(url + UI + "/events?topic=" + topic, headers={"Last-Event-ID": last_event_id})
    return [(r["partition"], r["offset"], json.loads(r["value"]["text"])["i"])
            for e in evs if e.get("event") == "records" for r in json.loads(e["data"])["records"]], evs[0]["id"]


def test_the_tail_sends_records_of_one_request_in_log_order(server):
    assert produce_json(server.url, "order", [{"i": i} for i in range(300)]).status_code == 200
    assert produce_json(server.url, "order", [{"i": i} for i in range(300, 420)]).status_code == 200
    got, last_id = tail_offsets(server.url, "order", "0|0")
    assert [o for _, o, _ in got] == list(range(420))
    assert [i for _, _, i in got] == list(range(420))
    assert last_id.endswith("|420")
    # The next answer resumes after the last record sent.
    assert produce_json(server.url, "order", [{"i": 420}]).status_code == 200
    got, _ = tail_offsets(server.url, "order", last_id)
    assert got == [(0, 420, 420)]
