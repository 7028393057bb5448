"""Streaming-job behaviour of `pinpipe serve` that the other stream tests do not cover (issue 18):
- `stream.table_prefix` names the Delta tables (rows and quarantine) instead of `<pipeline.id>`."""
import json

import requests

from rest_helpers import JSON_V2
from stream_helpers import fixture_rows, pin_rows, table_rows as rows, wait_caught_up


def post(url, topic, values, session=requests):
    return session.post(f"{url}/topics/{topic}", headers={"Content-Type": JSON_V2},
                        data=json.dumps({"records": [{"value": v} for v in values]}), timeout=5)


def test_table_prefix_names_the_stream_tables(server_factory):
    srv = server_factory(["stream.source=rest", "stream.table_prefix=custom", "sink.enabled=false",
                          "scheduler.enabled=false", "stream.compact_interval_ms=0"]).start()
    data = srv.data_dir
    fx = fixture_rows()
    sent = {"pin": pin_rows(0, 30), "geo": fx["geo"][:5],
            "user": fx["user"][:5] + [{"ind": {"not": "a number"}, "first_name": "x"}]}
    s = requests.Session()
    for t, values in sent.items():
        r = post(srv.url, f"pinterest.{t}", values, s)
        assert r.status_code == 200, r.text
    st = wait_caught_up(data, {f"pinterest.{t}": len(v) for t, v in sent.items()})
    assert st["errors"] == 0 and st["last_error"] == "", st
    srv.stop()

    delta = data / "lake" / "delta"
    # Every row under the configured prefix (the pin rows are distinct, so none is a duplicate).
    got_pin = rows(data, "custom_pin_table")
    assert sorted(r["ind"] for r in got_pin) == list(range(30)), got_pin
    assert {r["unique_id"] for r in got_pin} == {f"u{i}" for i in range(30)}
    assert len(rows(data, "custom_geo_table")) == len({json.dumps(r, sort_keys=True) for r in sent["geo"]})
    assert len(rows(data, "custom_user_table")) == len({json.dumps(r, sort_keys=True) for r in fx["user"][:5]})
    quarantined = rows(data, "custom_user_quarantine")
    assert len(quarantined) == 1 and json.loads(quarantined[0]["raw"])["ind"] == {"not": "a number"}, \
        quarantined
    # ... and nothing under the default names (`<pipeline.id>` = pinterest).
    made = sorted(p.name for p in delta.iterdir())
    assert not any(n.startswith("pinterest_") for n in made), made
    assert {"custom_pin_table", "custom_geo_table", "custom_user_table",
            "custom_user_quarantine"} <= set(made), made
