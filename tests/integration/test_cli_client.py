"""The CLI's client commands against a running server (issue 19 §4, issue 20 §1):
- names that need percent-encoding — a consumer group with a space, a unicode one, one with
  '/' and '%' — go through `consume`, `groups describe` and `groups reset-offsets`: the CLI
  encodes each path segment once and the server's router decodes it once (as JAX-RS does for
  the REST Proxy's @PathParam); a malformed escape is a 400;
- every client command sends `http.api_key` as x-api-key: with the key in the configuration
  each works against a server that requires it, without it each fails with a non-zero exit and
  a message naming the setting."""
import http.client
import json
import subprocess

import requests

from conftest import BIN
from rest_helpers import produce_json

GROUPS = ["my group", "grüppe-日本", "a/b 100%"]


def cli(srv, *args, key=None, stdin=None):
    sets = ["--set", f"http.port={srv.port}", "--set", f"data.dir={srv.data_dir}"]
    if key is not None:
        sets += ["--set", f"http.api_key={key}"]
    return subprocess.run([BIN, *sets, *args], capture_output=True, text=True, input=stdin, timeout=90)


def test_consume_and_groups_with_names_that_need_percent_encoding(server):
    assert produce_json(server.url, "enc", [{"i": i} for i in range(3)]).status_code == 200
    for group in GROUPS:
        r = cli(server, "consume", "--topic", "enc", "--group", group, "--timeout-ms", "500")
        assert r.returncode == 0, (group, r.stderr)
        assert [rec["value"]["i"] for rec in json.loads(r.stdout)] == [0, 1, 2], group
        assert f"(group {group})" in r.stderr
        # The group committed under its own name: a second run reads nothing new and says why.
        again = cli(server, "consume", "--topic", "enc", "--group", group, "--timeout-ms", "300")
        assert again.returncode == 0 and json.loads(again.stdout) == [], (group, again.stderr)
        assert f"group '{group}' has committed offsets" in again.stderr
        d = cli(server, "groups", "describe", group, "--format", "json")
        assert d.returncode == 0, (group, d.stderr)
        assert [(x["group"], x["topic"], x["partition"], x["current_offset"], x["lag"])
                for x in json.loads(d.stdout)] == [(group, "enc", 0, 3, 0)], group
    listed = json.loads(cli(server, "groups", "list", "--format", "json").stdout)
    assert set(GROUPS) <= set(listed), listed

    # Reset through the dashboard's API (its own path parameter, decoded once by the router).
    r = cli(server, "groups", "reset-offsets", "my group", "--topic", "enc", "--to-earliest", "--execute",
            "--format", "json")
    assert r.returncode == 0, r.stderr
    assert [(p["group"], p["new_offset"]) for p in json.loads(r.stdout)] == [("my group", 0)]
    r = cli(server, "consume", "--topic", "enc", "--group", "my group", "--timeout-ms", "500")
    assert [rec["value"]["i"] for rec in json.loads(r.stdout)] == [0, 1, 2], r.stderr


def test_encoded_path_segments_are_decoded_once_and_malformed_ones_refused(server):
    assert produce_json(server.url, "enc2", [{"i": 1}]).status_code == 200
    # %2E is '.', so this is topic "enc2" only if the server decodes; %25 stays a literal '%'.
    assert requests.get(server.url + "/topics/enc%32").json()["name"] == "enc2"
    assert requests.get(server.url + "/topics/enc%252").status_code == 404
    v2 = {"Content-Type": "application/vnd.kafka.v2+json"}
    created = requests.post(server.url + "/consumers/x%20y%2Fz", headers=v2, data=json.dumps({"name": "ïnst"}))
    assert created.status_code == 200, created.text
    # The names arrive decoded; base_uri holds them encoded again (UriBuilder.path() in the
    # REST Proxy), so a client that follows it reaches the instance.
    assert created.json()["instance_id"] == "ïnst"
    base = created.json()["base_uri"]
    assert base.endswith("/consumers/x%20y%2Fz/instances/%C3%AFnst"), base
    assert requests.post(base + "/subscription", headers=v2, data='{"topics":["enc2"]}').status_code == 204
    assert requests.delete(base, headers=v2).status_code == 204
    # A control byte decoded from an escape is refused like a raw one.
    assert requests.post(server.url + "/consumers/x%0Ay", headers=v2, data='{"name":"i"}').status_code == 422
    # http.client sends the target as written (requests would re-quote a stray '%').
    for method, bad in (("GET", "/topics/enc%2"), ("GET", "/topics/%zz"), ("DELETE", "/consumers/a%/instances/b"),
                        ("GET", "/topics/enc2/partitions/%g0")):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request(method, bad)
        r = conn.getresponse()
        body = r.read()
        conn.close()
        assert r.status == 400, (bad, r.status, body)
        assert json.loads(body)["error_code"] == 400


def test_client_commands_send_the_api_key(server_factory):
    srv = server_factory(["http.api_key=s3cret", "sink.flush_size=1", "log.default_partitions=1"]).start()
    key = "s3cret"
    ok = [
        ("topics", "create", "kt", "--partitions", "1"),
        ("produce", "--topic", "kt"),
        ("topics", "list"),
        ("topics", "describe", "kt"),
        ("consume", "--topic", "kt", "--group", "kg", "--timeout-ms", "300"),
        ("groups", "reset-offsets", "kg", "--topic", "kt", "--to-earliest", "--execute"),
        ("sink", "pause"),
        ("sink", "resume"),
        ("sink", "restart"),
        ("streams", "create", "ks"),
        ("streams", "list"),
        ("analytics", "show", "category_by_country", "--live"),
        ("status",),
        ("topics", "delete", "kt", "--yes"),
    ]
    for args in ok:
        stdin = '{"a":1}\n{"a":2}\n' if args[0] == "produce" else None
        without = cli(srv, *args, stdin=stdin)
        assert without.returncode != 0, (args, without.stdout)
        assert "http.api_key" in without.stderr and "requires an API key" in without.stderr, (args, without.stderr)
        wrong = cli(srv, *args, key="nope", stdin=stdin)
        assert wrong.returncode != 0 and "refused the API key of http.api_key" in wrong.stderr, (args, wrong.stderr)
        r = cli(srv, *args, key=key, stdin=stdin)
        assert r.returncode == 0, (args, r.stdout, r.stderr)
        if args[0] == "consume":
            assert [rec["value"] for rec in json.loads(r.stdout)] == [{"a": 1}, {"a": 2}]
        if args[:2] == ("topics", "list"):
            assert "kt" in r.stdout
    # The emulator posts with the key too (a 403 is not retried and names the setting).
    db = srv.data_dir.parent / "source.db"
    assert subprocess.run([BIN, "db", "init", "--db", f"sqlite://{db}"], capture_output=True).returncode == 0
    emulate = ("emulate", "--db", f"sqlite://{db}", "--count", "2", "--no-sleep", "--quiet", "--id", "em")
    without = cli(srv, *emulate)
    assert without.returncode != 0 and "http.api_key" in without.stderr + without.stdout, without
    r = cli(srv, *emulate, key=key)
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert {"em.geo", "em.pin", "em.user"} <= set(json.loads(cli(srv, "topics", "list", "--format", "json", key=key).stdout))
    # The key also reaches the server from the environment, as every key does.
    env_run = subprocess.run([BIN, "--set", f"http.port={srv.port}", "--set", f"data.dir={srv.data_dir}",
                              "topics", "list"], capture_output=True, text=True, timeout=60,
                             env={"PINPIPE_HTTP_API_KEY": key, "PATH": "/usr/bin:/bin"})
    assert env_run.returncode == 0, env_run.stderr
    # The dashboard's API wants the key too once one is set (its produce form must not bypass it).
    assert requests.get(srv.url + "/ui/api/overview").status_code == 403
    assert requests.get(srv.url + "/ui/api/overview", headers={"x-api-key": key}).status_code == 200
