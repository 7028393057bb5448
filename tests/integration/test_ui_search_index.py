"""The message browser's search index follows the log in the background once a partition has
been searched (MessageIndex::Refresh every ~200 ms): a search after more records arrive
finds nothing left to index itself, so its latency under produce load does not grow with the
records appended since the last search."""
import time

import requests

from rest_helpers import produce_json
from test_ui_api import UI


def search(url, topic, key):
    r = requests.get(f"{url}{UI}/topics/{topic}/search", params={"key": key}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_searched_partition_is_indexed_in_the_background(server):
    values = [{"i": i} for i in range(500)]
    keys = [f"k{i % 7}" for i in range(500)]
    assert produce_json(server.url, "idx", values, keys=keys).status_code == 200
    first = search(server.url, "idx", "k3")
    assert first["indexed"] == 500  # the first search of a partition indexes what is there
    assert produce_json(server.url, "idx", values, keys=keys).status_code == 200
    time.sleep(2)  # background refreshes run every ~200 ms meanwhile
    later = search(server.url, "idx", "k3")
    assert later["indexed"] == 0, later  # nothing left for the search itself to index
    assert later["total"] == 1000
    assert later["records"], later  # k3 is in both requests: the search finds some
    assert [r["offset"] for r in later["records"]] == [o for o in range(1000) if o % 500 % 7 == 3][:len(later["records"])]
