"""The streaming job of `pinpipe serve` when its Delta writes fail (issue 18 §1, §2): the lake
refuses the commits of a table for a while (its `_delta_log` directory replaced by a file, which
fails every write into it, also for root); the job retries with back-off, and the error shows in
`pinpipe stream status` (text and JSON), in /healthz (503 degraded, with the reason) and in
`pinpipe_stream_errors_total` on /metrics. Once the directory is back the error clears and every
produced row is in the table exactly once."""
import json
import re
import time
from collections import Counter

import requests

from rest_helpers import JSON_V2
from stream_helpers import pin_rows, stream_status, table_rows as rows, wait_caught_up
from test_dag import pinpipe


def post(url, topic, values, session=requests):
    r = session.post(f"{url}/topics/{topic}", headers={"Content-Type": JSON_V2},
                     data=json.dumps({"records": [{"value": v} for v in values]}), timeout=5)
    assert r.status_code == 200, r.text
    assert all(o.get("error") is None for o in r.json()["offsets"]), r.text


def errors_total(url):
    m = re.search(r"^pinpipe_stream_errors_total (\d+)$",
                  requests.get(url + "/metrics", timeout=5).text, re.M)
    assert m, "pinpipe_stream_errors_total is missing from /metrics"
    return int(m.group(1))


def test_failing_delta_commits_are_retried_shown_and_land_exactly_once(server_factory):
    # A comma in the path (so in the error message): the text status prints the message whole.
    srv = server_factory(["stream.source=rest", "sink.enabled=false", "scheduler.enabled=false"],
                         name="lake,data").start()
    data, url = srv.data_dir, srv.url
    s = requests.Session()
    post(url, "pinterest.pin", pin_rows(0, 100), s)
    wait_caught_up(data, {"pinterest.pin": 100}, no_lag=True)
    assert errors_total(url) == 0

    # The lake refuses the table's commits: _delta_log is a file now.
    table = data / "lake" / "delta" / "pinterest_pin_table"
    log_dir, saved = table / "_delta_log", table / "_delta_log.saved"
    log_dir.rename(saved)
    log_dir.write_text("not a directory\n")
    post(url, "pinterest.pin", pin_rows(100, 100), s)

    deadline = time.time() + 30
    while True:
        st = stream_status(data)
        if st["errors"] >= 2 and st["last_error"]:
            break  # failed, and failed again when retried
        assert time.time() < deadline, st
        time.sleep(0.1)
    assert "_delta_log" in st["last_error"], st["last_error"]
    assert st["committed_batch"] == 0, st
    text = pinpipe(data, "stream", "status").stdout
    last = [line for line in text.splitlines() if line.startswith("errors:")]
    assert last and "last error: -" not in last[0] and st["last_error"] in last[0], text
    h = requests.get(url + "/healthz", timeout=5)
    assert h.status_code == 503 and h.json()["status"] == "degraded", h.text
    assert any(r.startswith("stream: ") and "_delta_log" in r for r in h.json()["reasons"]), h.text
    failed = errors_total(url)
    assert failed >= 2
    # More rows arrive while the lake refuses writes.
    post(url, "pinterest.pin", pin_rows(200, 100), s)
    time.sleep(0.5)

    # The lake is back: the pending batch commits, then the rest; the error clears.
    log_dir.unlink()
    saved.rename(log_dir)
    st = wait_caught_up(data, {"pinterest.pin": 300}, no_lag=True)
    deadline = time.time() + 30
    while stream_status(data)["last_error"]:
        assert time.time() < deadline, stream_status(data)
        time.sleep(0.1)
    deadline = time.time() + 30
    while (h := requests.get(url + "/healthz", timeout=5)).status_code != 200:
        assert time.time() < deadline, h.text
        time.sleep(0.1)
    text = pinpipe(data, "stream", "status").stdout
    assert "last error: -" in text, text
    assert errors_total(url) >= failed  # a counter: it keeps the failures
    srv.stop()

    seen = Counter(r["ind"] for r in rows(data, "pinterest_pin_table"))
    assert sorted(seen) == list(range(300)), sorted(set(range(300)) - set(seen))[:10]
    assert max(seen.values()) == 1, [i for i, n in seen.items() if n > 1][:10]
    # One STREAMING UPDATE per batch id: the retries committed nothing twice.
    hist = [json.loads(line) for line in pinpipe(data, "lake", "history", str(table),
                                                 "--format", "ndjson").stdout.splitlines() if line]
    epochs = [h["operationParameters"]["epochId"] for h in hist if h.get("operation") == "STREAMING UPDATE"]
    assert len(epochs) == len(set(epochs)), epochs
