"""Small REST Proxy v2 client helpers for the integration tests, written the way the
original pipeline's scripts talk to the proxy (python3-requests, JSON bodies)."""
import json
import uuid

import requests

JSON_V2 = "application/vnd.kafka.json.v2+json"
BINARY_V2 = "application/vnd.kafka.binary.v2+json"
V2 = "application/vnd.kafka.v2+json"


def produce_json(url, topic, values, session=requests, keys=None):
    records = []
    for i, v in enumerate(values):
        r = {"value": v}
        if keys is not None:
            r["key"] = keys[i]
        records.append(r)
    payload = json.dumps({"records": records})
    resp = session.post(f"{url}/topics/{topic}", headers={"Content-Type": JSON_V2}, data=payload)
    return resp


def create_consumer(url, group, name=None, fmt="json", reset="earliest", **extra):
    body = {"format": fmt, "auto.offset.reset": reset}
    body["name"] = name or f"c-{uuid.uuid4().hex[:8]}"
    body.update(extra)
    r = requests.post(f"{url}/consumers/{group}", headers={"Content-Type": V2}, data=json.dumps(body))
    assert r.status_code == 200, r.text
    return r.json()["base_uri"]


def subscribe(base_uri, topics):
    r = requests.post(f"{base_uri}/subscription", headers={"Content-Type": V2},
                      data=json.dumps({"topics": topics}))
    assert r.status_code == 204, r.text


def read_records(base_uri, fmt="json", timeout_ms=500, max_bytes=None):
    params = {"timeout": timeout_ms}
    if max_bytes:
        params["max_bytes"] = max_bytes
    accept = JSON_V2 if fmt == "json" else BINARY_V2
    r = requests.get(f"{base_uri}/records", headers={"Accept": accept}, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def read_all(base_uri, fmt="json", idle_polls=2, timeout_ms=300):
    """Reads until `idle_polls` consecutive polls return nothing."""
    out, idle = [], 0
    while idle < idle_polls:
        batch = read_records(base_uri, fmt, timeout_ms)
        if batch:
            out.extend(batch)
            idle = 0
        else:
            idle += 1
    return out


def delete_consumer(base_uri):
    requests.delete(base_uri, headers={"Content-Type": V2})
