"""The command line on the real binary: configuration validation (issue 14), command names and
help, exit codes, --version, how client commands find the server, `consume`, and the
generated completions and man page (issue 19)."""
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import BIN, ROOT


def pinpipe(*args, env=None, cwd=None, timeout=60, input=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith("PINPIPE_")}
    e.update(env or {})
    return subprocess.run([BIN] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, env=e, cwd=cwd, input=input)


# --- issue 14: every key's type and range is checked at load, for every command -------------

@pytest.mark.parametrize("setting, expected", [
    ("logging.level=loud", "logging.level = 'loud' (from --set): must be one of trace, debug, info"),
    ("http.max_body_bytes=-1", "http.max_body_bytes = '-1' (from --set): must be an integer in 1.."),
    ("http.threads=-3", "http.threads = '-3' (from --set): must be an integer in 0..1024"),
    ("rest.consumer_max_bytes=-1", "rest.consumer_max_bytes = '-1' (from --set): must be an integer in 1.."),
    ("s3.part_size_bytes=1", "s3.part_size_bytes = '1' (from --set): must be an integer in 5242880.."),
])
def test_serve_rejects_invalid_values_with_exit_2(tmp_path, setting, expected):
    p = pinpipe("--set", f"data.dir={tmp_path}", "--set", "http.port=0", "--set", setting, "serve",
                timeout=20)
    assert p.returncode == 2, p.stderr
    assert expected in p.stderr
    assert not (tmp_path / "log").exists()  # nothing started


def test_invalid_values_are_rejected_for_every_command(tmp_path):
    for args in (["sink", "status"], ["config", "show"], ["dag", "runs"], ["consume", "-t", "x"]):
        p = pinpipe("--set", f"data.dir={tmp_path}", "--set", "http.threads=-3", *args)
        assert p.returncode == 2, (args, p.stderr)
        assert "http.threads = '-3' (from --set)" in p.stderr, args


def test_errors_name_the_environment_variable_and_the_file(tmp_path):
    p = pinpipe("config", "show", env={"PINPIPE_LOGGING_LEVEL": "loud"}, cwd=tmp_path)
    assert p.returncode == 2
    assert "logging.level = 'loud' (from env PINPIPE_LOGGING_LEVEL)" in p.stderr

    (tmp_path / "pinpipe.toml").write_text("[s3]\npart_size_bytes = 1\n")
    p = pinpipe("config", "show", cwd=tmp_path)
    assert p.returncode == 2
    assert "s3.part_size_bytes = '1' (from file pinpipe.toml)" in p.stderr


def test_unknown_environment_variable_is_an_error(tmp_path):
    p = pinpipe("config", "show", env={"PINPIPE_HTTP_PROT": "9000"}, cwd=tmp_path)
    assert p.returncode == 2
    assert "unknown configuration variable PINPIPE_HTTP_PROT" in p.stderr
    assert "did you mean PINPIPE_HTTP_PORT?" in p.stderr
    # The test harness's own variables are not configuration.
    p = pinpipe("config", "show", env={"PINPIPE_BIN": BIN, "PINPIPE_TEST_FAIL_TASK": "x"}, cwd=tmp_path)
    assert p.returncode == 0, p.stderr


def test_test_hooks_are_not_settings(tmp_path):
    p = pinpipe("--set", "dag.fail_task=clean_geo", "config", "show", cwd=tmp_path)
    assert p.returncode == 2 and "unknown configuration key 'dag.fail_task'" in p.stderr
    show = pinpipe("config", "show", cwd=tmp_path).stdout
    assert "fail_task" not in show


def test_alias_flags_set_keys_and_are_checked(tmp_path):
    p = pinpipe("--data-dir", tmp_path / "d", "config", "show", "--port", "9123", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert re.search(r'port = 9123 +# --port', p.stdout), p.stdout
    assert re.search(r'dir = "' + re.escape(str(tmp_path / "d")) + r'" +# --data-dir', p.stdout)
    p = pinpipe("--port", "99999", "config", "show", cwd=tmp_path)
    assert p.returncode == 2 and "http.port = '99999' (from --port)" in p.stderr


# --- issue 19 §4: one CLI like the tools people know -----------------------------------------

def test_unknown_command_suggests_the_nearest():
    p = pinpipe("sevre")
    assert p.returncode == 2
    assert "unknown command 'sevre'; did you mean serve?" in p.stderr
    p = pinpipe("sink", "statsu")
    assert p.returncode == 2
    assert "pinpipe sink: unknown command 'statsu'; did you mean status?" in p.stderr
    p = pinpipe("--set", "http.port=1", "xyzzy")
    assert p.returncode == 2 and "unknown command 'xyzzy'" in p.stderr
    assert "did you mean" not in p.stderr


def test_bare_pinpipe_prints_the_help():
    p = pinpipe()
    assert p.returncode == 0, p.stderr
    for cmd in ("serve", "consume", "emulate", "sink", "dag", "help"):
        assert re.search(rf"^\s+{cmd}\b", p.stdout, re.M), cmd
    assert "Exit status: 0 ok, 1 runtime error, 2 usage or configuration error" in p.stdout
    assert "completion" not in p.stdout  # hidden: packaging's business


def test_help_command():
    p = pinpipe("help", "sink", "status")
    assert p.returncode == 0, p.stderr
    assert "pinpipe sink status" in p.stdout and "--json" in p.stdout
    assert pinpipe("help", "consume").stdout == pinpipe("consume", "--help").stdout
    p = pinpipe("help", "sevre")
    assert p.returncode == 2 and "did you mean serve?" in p.stderr


@pytest.mark.parametrize("args", [
    ["consume"],                               # a required option is missing (CLI11: 106)
    ["emulate", "--concurrency", "0"],         # a validator fails (CLI11: 105)
    ["config", "show", "--no-such-flag"],      # an unexpected argument (CLI11: 109)
    ["config"],                                # a command is required
])
def test_usage_errors_exit_2(args):
    p = pinpipe(*args)
    assert p.returncode == 2, (args, p.returncode, p.stderr)
    assert "pinpipe help" in p.stderr


def test_version_prints_the_git_commit():
    p = pinpipe("--version")
    assert p.returncode == 0
    m = re.fullmatch(r"pinpipe (\d+\.\d+\.\d+) \(git ([0-9a-f]{12})(-dirty)?\)\n", p.stdout)
    assert m, p.stdout
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                          text=True)
    if head.returncode == 0 and Path(BIN).resolve().is_relative_to(ROOT):
        assert head.stdout.startswith(m.group(2))


def test_help_texts_do_not_promise_missing_features():
    texts = pinpipe("--help").stdout + pinpipe("help", "emulate").stdout + \
        pinpipe("config", "show").stdout
    assert "not yet available" not in texts and "stream (" not in texts
    assert "streaming cleaning" not in texts


# --- client commands find the server from http.bind/http.port (or --api) ---------------------

def table_header(out):
    """The column names of a psql-style table (the first line)."""
    return [c.strip() for c in out.splitlines()[0].split("|")]


def table_rows(out):
    """The data rows of a psql-style table: the lines after the header rule that start with a
    space (the "(N rows)" count and footers do not)."""
    lines = out.splitlines()
    rule = next(i for i, l in enumerate(lines) if l and set(l) <= set("-+"))
    return [[c.strip() for c in l.split("|")] for l in lines[rule + 1:] if l.startswith(" ")]


def produce(url, topic, values):
    import requests
    r = requests.post(f"{url}/topics/{topic}",
                      headers={"Content-Type": "application/vnd.kafka.json.v2+json"},
                      data=json.dumps({"records": [{"value": v} for v in values]}))
    assert r.status_code == 200, r.text


def test_emulate_and_consume_use_http_port(tmp_path, server):
    db = tmp_path / "source.db"
    assert pinpipe("db", "init", "--db", f"sqlite://{db}").returncode == 0
    # No --api: http.port decides, for emulate as for consume.
    p = pinpipe("--set", f"http.port={server.port}", "emulate", "--db", f"sqlite://{db}",
                "--count", 5, "--no-sleep", "--quiet", timeout=120)
    assert p.returncode == 0, p.stderr
    assert "sent 5 interactions" in p.stdout
    p = pinpipe("--port", server.port, "consume", "-t", "pinterest.pin", "--timeout-ms", 1500)
    assert p.returncode == 0, p.stderr
    assert len(json.loads(p.stdout)) == 5


def test_consume_unknown_topic_is_an_error(server):
    p = pinpipe("--api", server.url, "consume", "--topic", "no.such.topic", "--timeout-ms", 500)
    assert p.returncode == 1
    assert "topic 'no.such.topic' does not exist" in p.stderr


def test_consume_groups_max_records_and_from_beginning(server):
    produce(server.url, "t1", [{"i": i} for i in range(6)])
    base = ["--api", server.url, "consume", "--topic", "t1", "--timeout-ms", 800]
    p = pinpipe(*base, "--group", "g1", "--max-records", 2)
    assert p.returncode == 0, p.stderr
    assert [r["value"]["i"] for r in json.loads(p.stdout)] == [0, 1]
    p = pinpipe(*base, "--group", "g1")
    assert [r["value"]["i"] for r in json.loads(p.stdout)] == [2, 3, 4, 5]
    # Nothing new for the group: it says why.
    p = pinpipe(*base, "--group", "g1")
    assert p.returncode == 0 and json.loads(p.stdout) == []
    assert "t1 holds 6 records, but group 'g1' has committed offsets past them" in p.stderr
    p = pinpipe(*base, "--group", "g1", "--from-beginning")
    assert [r["value"]["i"] for r in json.loads(p.stdout)] == list(range(6))
    # Another group starts from the beginning on its own.
    p = pinpipe(*base, "--group", "g2")
    assert len(json.loads(p.stdout)) == 6 and "committed" not in p.stderr


# --- completions and man page, generated from the CLI's definitions --------------------------

def test_bash_completion_completes_commands_options_and_keys(tmp_path):
    script = tmp_path / "pinpipe.bash"
    p = pinpipe("completion", "bash")
    assert p.returncode == 0, p.stderr
    script.write_text(p.stdout)

    (tmp_path / "afile").write_text("")

    def complete(*words):
        cmd = (f"source {script}; COMP_WORDS=(pinpipe {' '.join(words)}); "
               f"COMP_CWORD={len(words)}; _pinpipe; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
        r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        return r.stdout.split()

    assert complete("se") == ["serve"]
    assert complete("sink", "st") == ["status"]
    assert "--json" in complete("sink", "status", "--")
    assert "--from-beginning" in complete("consume", "--fr")
    assert "--data-dir" in complete("consume", "--d")  # global options everywhere
    assert complete("--set", "http.po") == ["http.port="]
    assert complete("--config", "x.toml", "con") == ["config", "consume"]
    assert complete("--config", "a") == ["afile"]         # an option's value: a file
    assert complete("sink", "status", "--json", "") == []  # a flag takes no value


def test_zsh_completion_and_man_page_list_every_command():
    zsh = pinpipe("completion", "zsh").stdout
    assert zsh.startswith("#compdef pinpipe")
    man = pinpipe("man")
    assert man.returncode == 0
    assert ".TH PINPIPE 1" in man.stdout
    helptext = pinpipe("--help").stdout
    commands = re.findall(r"^  (\w[\w-]*)\s", helptext.split("Subcommands:")[1].split("\n\n")[0], re.M)
    assert len(commands) > 8
    for cmd in commands:
        assert f'.SS "pinpipe {cmd}' in man.stdout, cmd
        assert f"'{cmd}:" in zsh, cmd
    for key in ("http.port", "s3.part_size_bytes"):
        assert key in man.stdout
    # groff renders it without warnings.
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=man.stdout,
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "", r.stderr


def test_bad_completion_shell_is_a_usage_error():
    assert pinpipe("completion", "fish").returncode == 2


# --- issue 19 §5: installation ---------------------------------------------------------------

def build_dir():
    d = Path(BIN).resolve().parent
    if not (d / "CMakeCache.txt").exists() or not (d / "cmake_install.cmake").exists():
        pytest.skip("PINPIPE_BIN is not in a CMake build directory")
    return d


def test_install_stages_binary_completions_man_page_and_unit(tmp_path):
    stage = tmp_path / "stage"
    p = subprocess.run(["cmake", "--install", str(build_dir()), "--prefix", "/opt/pp"],
                       env=dict(os.environ, DESTDIR=str(stage)), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    root = stage / "opt" / "pp"
    assert os.access(root / "bin" / "pinpipe", os.X_OK)
    bash = root / "share" / "bash-completion" / "completions" / "pinpipe"
    assert subprocess.run(["bash", "-n", str(bash)]).returncode == 0
    assert (root / "share" / "zsh" / "vendor-completions" / "_pinpipe").exists()
    assert (root / "share" / "man" / "man1" / "pinpipe.1.gz").exists()
    assert "Apache License" in (root / "share" / "doc" / "pinpipe" / "copyright").read_text()
    unit = (root / "lib" / "systemd" / "system" / "pinpipe.service").read_text()
    assert "ExecStart=/opt/pp/bin/pinpipe serve" in unit  # the installed path, whatever the prefix
    for setting in ("User=pinpipe", "StateDirectory=pinpipe", "ProtectSystem=strict",
                    "LimitNOFILE=", "NoNewPrivileges=yes", "RestartPreventExitStatus=2"):
        assert setting in unit, setting
    assert "u pinpipe" in (root / "lib" / "sysusers.d" / "pinpipe.conf").read_text()


# --- issue 19 §4 (administration): topics and produce through the REST API -------------------

def test_produce_lines_then_topics_list_and_describe(server):
    p = pinpipe("--api", server.url, "produce", "-t", "events", "-K", ":",
                input='k1:{"n": 1}\nk2:{"n": 2}\n\nk1:{"n": 3}\n')
    assert p.returncode == 0, p.stderr
    assert "produced 3 records to events" in p.stderr
    p = pinpipe("--api", server.url, "produce", "-t", "raw", "--format", "binary",
                input="plain text\nnot json {\n")
    assert p.returncode == 0, p.stderr

    p = pinpipe("--port", server.port, "topics", "list")
    assert p.returncode == 0, p.stderr
    assert {"events", "raw"} <= set(p.stdout.split())
    p = pinpipe("--port", server.port, "topics", "describe", "events")
    assert p.returncode == 0, p.stderr
    assert "events: 1 partition, 3 records" in p.stdout  # singular and plural
    p = pinpipe("--port", server.port, "topics", "list", "--format", "json")
    assert {"events", "raw"} <= set(json.loads(p.stdout))
    p = pinpipe("--port", server.port, "topics", "describe", "events", "--format", "json")
    assert json.loads(p.stdout) == [{"topic": "events", "partition": 0, "beginning_offset": 0,
                                     "end_offset": 3, "records": 3}]

    p = pinpipe("--api", server.url, "consume", "-t", "events", "--timeout-ms", 800)
    records = json.loads(p.stdout)
    assert [(r["key"], r["value"]["n"]) for r in records] == [("k1", 1), ("k2", 2), ("k1", 3)]

    p = pinpipe("--api", server.url, "topics", "describe", "nope")
    assert p.returncode == 1 and "topic 'nope' does not exist" in p.stderr
    p = pinpipe("--api", server.url, "produce", "-t", "events", "-K", "|", input="no separator\n")
    assert p.returncode == 2 and "line 1 has no key separator" in p.stderr


def test_dag_runs_format_json_is_one_array(tmp_path):
    data = tmp_path / "d"
    p = pinpipe("--set", f"data.dir={data}", "batch", "gen-raw", "--interactions", "20")
    assert p.returncode == 0, p.stderr
    p = pinpipe("--set", f"data.dir={data}", "dag", "run", "--date", "2026-11-21")
    assert p.returncode == 0, p.stdout + p.stderr
    p = pinpipe("--set", f"data.dir={data}", "dag", "runs", "--format", "json")
    runs = json.loads(p.stdout)
    assert [(r["logical_date"], r["state"], r["trigger"]) for r in runs] == [("2026-11-21", "success", "manual")]
    assert runs[0]["run_id"] and runs[0]["dag_id"] == "pinterest_batch"
    p = pinpipe("--set", f"data.dir={data}", "dag", "runs", "--format", "yaml")
    assert p.returncode == 2


def test_groups_list_and_describe_show_committed_offsets_and_lag(server):
    produce(server.url, "t9", [{"i": i} for i in range(5)])
    base = ["--api", server.url, "consume", "--topic", "t9", "--timeout-ms", 800]
    assert pinpipe(*base, "--group", "ga", "--max-records", 2).returncode == 0
    assert pinpipe(*base, "--group", "gb").returncode == 0
    d = ["--set", f"data.dir={server.data_dir}"]
    p = pinpipe(*d, "groups", "list")
    assert p.returncode == 0, p.stderr
    assert {"ga", "gb"} <= set(p.stdout.split())
    assert {"ga", "gb"} <= set(json.loads(pinpipe(*d, "groups", "list", "--format", "json").stdout))
    p = pinpipe(*d, "groups", "describe", "ga", "--format", "json")
    assert json.loads(p.stdout) == [{"group": "ga", "topic": "t9", "partition": 0,
                                     "current_offset": 2, "log_end_offset": 5, "lag": 3}]
    p = pinpipe(*d, "groups", "describe", "gb")
    assert table_header(p.stdout) == ["group", "topic", "partition", "current_offset",
                                      "log_end_offset", "lag"]
    assert table_rows(p.stdout) == [["gb", "t9", "0", "5", "5", "0"]]
    p = pinpipe(*d, "groups", "describe", "nope")
    assert p.returncode == 2 and "consumer group 'nope' has no committed offsets" in p.stderr


# --- issue 19 §4: one output flag everywhere ---------------------------------------------------

def _listing_setup(kind, server_factory, tmp_path):
    """The global options that point a listing command at data with at least one row, and the
    placeholder {data} of the command's arguments."""
    if kind == "dag":  # offline: a data dir with one run and its lake
        data = tmp_path / "d"
        d = ["--set", f"data.dir={data}"]
        assert pinpipe(*d, "batch", "gen-raw", "--interactions", "20").returncode == 0
        p = pinpipe(*d, "dag", "run", "--date", "2026-11-21")
        assert p.returncode == 0, p.stdout + p.stderr
        return d, data
    server = server_factory(["sink.flush_size=100", "sink.rotate_schedule_interval_ms=200"]).start()
    produce(server.url, "fmt", [{"i": i} for i in range(3)])
    p = pinpipe("--api", server.url, "consume", "-t", "fmt", "--group", "fg", "--max-records", 1,
                "--timeout-ms", 800)
    assert p.returncode == 0, p.stderr
    d = ["--api", server.url, "--set", f"data.dir={server.data_dir}"]
    if kind == "sink":
        produce(server.url, "pinterest.pin", [{"i": 1}])
        from test_sink import wait_until
        assert wait_until(lambda: json.loads(pinpipe(*d, "sink", "status", "--format", "json")
                                             .stdout)["partitions"], 30)
    return d, server.data_dir


# name: (setup, arguments, how the json compares with csv). "rows": json objects whose keys are
# the csv header and whose values are its cells; "count": the same number of rows (json keeps
# nested Delta objects; csv flattens them); "partitions"/"fields": json is one document with the
# rows in that array.
LISTINGS = {
    "topics list": ("server", ["topics", "list"], "rows"),
    "topics describe": ("server", ["topics", "describe", "fmt"], "rows"),
    "groups list": ("server", ["groups", "list"], "rows"),
    "groups describe": ("server", ["groups", "describe", "fg"], "rows"),
    "groups reset-offsets": ("server", ["groups", "reset-offsets", "fg", "--topic", "fmt",
                                        "--to-earliest"], "rows"),
    "sink status": ("sink", ["sink", "status"], "partitions"),
    "dag runs": ("dag", ["dag", "runs"], "rows"),
    "lake show": ("dag", ["lake", "show", "{data}/lake/delta/pin"], "count"),
    "lake schema": ("dag", ["lake", "schema", "{data}/lake/delta/pin"], "fields"),
    "lake history": ("dag", ["lake", "history", "{data}/lake/delta/pin"], "count"),
    "lake files": ("dag", ["lake", "files", "{data}/lake/delta/pin"], "count"),
}


def _print_in_every_format(base, args):
    """Runs one listing command in each --format: the raw outputs, the json document, the csv
    header and rows, and the ndjson objects."""
    import csv
    import io
    out = {}
    for fmt in ("table", "json", "csv", "ndjson"):
        p = pinpipe(*base, *args, "--format", fmt)
        assert p.returncode == 0, (fmt, p.stderr)
        out[fmt] = p.stdout
    rows = list(csv.reader(io.StringIO(out["csv"], newline="")))
    ndjson = [json.loads(l) for l in out["ndjson"].splitlines()]
    return out, json.loads(out["json"]), rows[0], rows[1:], ndjson


@pytest.mark.parametrize("name", list(LISTINGS))
def test_listing_commands_print_the_same_rows_in_every_format(name, server_factory, tmp_path):
    kind, args, shape = LISTINGS[name]
    base, data = _listing_setup(kind, server_factory, tmp_path)
    args = [a.replace("{data}", str(data)) for a in args]
    out, doc, header, data_rows, ndjson = _print_in_every_format(base, args)
    if shape in ("partitions", "fields"):  # one document; ndjson and csv list its rows
        assert isinstance(doc, dict) and len(doc[shape]) == len(ndjson) == len(data_rows) > 0
        as_json = ndjson
    else:
        assert isinstance(doc, list) and doc, out["json"]
        assert ndjson == doc
        as_json = doc
    assert len(data_rows) == len(as_json)
    text = lambda v: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
    if shape != "count" and isinstance(as_json[0], dict):  # csv header = keys, cells = values
        assert all(list(o) == header for o in as_json)
        assert [[text(o[k]) for k in header] for o in as_json] == data_rows
    elif shape != "count":  # one column of bare values (topic or group names)
        assert len(header) == 1 and [[text(v)] for v in as_json] == data_rows
    assert table_header(out["table"].split("\n", 1)[1] if name == "sink status"  # "connector …"
                        else out["table"]) == header
    assert len(table_rows(out["table"])) == len(as_json)
    p = pinpipe(*base, *args, "--format", "yaml")
    assert p.returncode == 2 and "table" in p.stderr and "ndjson" in p.stderr


def test_csv_quotes_commas_and_quotes_rfc4180(server):
    import csv
    import io
    produce(server.url, "q", [{"i": 1}])
    name = 'g,"x"'
    p = pinpipe("--api", server.url, "consume", "-t", "q", "--group", name, "--timeout-ms", 800)
    assert p.returncode == 0, p.stderr
    d = ["--set", f"data.dir={server.data_dir}"]
    out = pinpipe(*d, "groups", "list", "--format", "csv").stdout
    assert '"g,""x"""' in out.splitlines()  # quoted, inner quotes doubled
    assert [name] in list(csv.reader(io.StringIO(out, newline="")))
    rows = list(csv.DictReader(io.StringIO(
        pinpipe(*d, "groups", "describe", name, "--format", "csv").stdout, newline="")))
    assert [(r["group"], r["topic"], r["current_offset"]) for r in rows] == [(name, "q", "1")]


def test_lake_commands_resolve_table_names_in_the_configured_lake(tmp_path):
    lake = tmp_path / "lake"
    table = lake / "delta" / "analytics" / "demo"
    assert pinpipe("lake", "write-demo-table", table).returncode == 0
    by_path = pinpipe("lake", "show", table, "--format", "ndjson").stdout
    assert by_path.count("\n") > 10
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name in ("analytics/demo", "delta/analytics/demo"):
        for uri in (str(lake), f"file://{lake}"):
            p = pinpipe("--set", f"lake.uri={uri}", "lake", "show", name, "--format", "ndjson", cwd=elsewhere)
            assert p.returncode == 0, p.stderr
            assert p.stdout == by_path
    # The default lake is <data.dir>/lake.
    p = pinpipe("--data-dir", tmp_path, "lake", "files", "analytics/demo", "--format", "json", cwd=elsewhere)
    assert p.returncode == 0, p.stderr
    assert len(json.loads(p.stdout)) >= 1
    p = pinpipe("--data-dir", tmp_path, "lake", "history", "analytics/demo", "--limit", "1", "--format", "json",
                cwd=elsewhere)
    assert p.returncode == 0 and len(json.loads(p.stdout)) == 1, p.stderr
    # An unknown name fails with both places named, and creates nothing.
    p = pinpipe("--data-dir", tmp_path, "lake", "schema", "nope", cwd=elsewhere)
    assert p.returncode == 1
    assert "nope" in p.stderr and str(lake / "delta" / "nope") in p.stderr, p.stderr
    assert list(elsewhere.iterdir()) == [] and not (lake / "delta" / "nope").exists()


def _more_listing_setup(kind, server_factory, tmp_path):
    """As _listing_setup, for the commands that came to --format later: a stream with two shards
    (`streams`), or a record the server's streaming job has committed (`stream`)."""
    if kind == "dag":
        return _listing_setup(kind, server_factory, tmp_path)
    server = server_factory(["sink.flush_size=100", "scheduler.enabled=false",
                             "stream.source=rest"]).start()
    d = ["--api", server.url, "--set", f"data.dir={server.data_dir}"]
    if kind == "streams":
        p = pinpipe(*d, "streams", "create", "fs", "--shards", 2)
        assert p.returncode == 0, p.stderr
    else:
        produce(server.url, "pinterest.pin", [{"i": 1}])
        from test_sink import wait_until
        assert wait_until(lambda: json.loads(pinpipe(*d, "stream", "status", "--format", "json")
                                             .stdout or "{}").get("partitions"), 30)
    return d, server.data_dir


def _first_lines_table(out, start, stop=None):
    """The rows of a printf-style listing: the lines after the one starting with `start`, up to
    one starting with `stop` (split on runs of spaces)."""
    lines = out.splitlines()
    at = next(i for i, l in enumerate(lines) if l.startswith(start))
    rows = []
    for l in lines[at + 1:]:
        if stop and l.startswith(stop):
            break
        rows.append(l.split())
    return rows


# name: (setup, arguments, where json keeps the rows ("" = json is the array itself), how the
# table output's rows are read).
MORE_LISTINGS = {
    "dag show": ("dag", ["dag", "show"], "", table_rows),
    "analytics show": ("dag", ["analytics", "show", "top_country"], "rows", table_rows),
    "streams list": ("streams", ["streams", "list"], "", lambda out: [[l] for l in out.splitlines()]),
    "streams describe": ("streams", ["streams", "describe", "fs"], "",
                         lambda out: _first_lines_table(out, "SHARD")),
    "stream status": ("stream", ["stream", "status"], "partitions",
                      lambda out: _first_lines_table(out, "TOPIC-PARTITION", "last batch:")),
}


@pytest.mark.parametrize("name", list(MORE_LISTINGS))
def test_more_listing_commands_print_the_same_rows_in_every_format(name, server_factory, tmp_path):
    kind, args, key, read_table = MORE_LISTINGS[name]
    base, _ = _more_listing_setup(kind, server_factory, tmp_path)
    out, doc, header, data_rows, ndjson = _print_in_every_format(base, args)
    in_json = doc[key] if key else doc
    assert isinstance(in_json, list) and in_json, out["json"]
    assert len(in_json) == len(ndjson) == len(data_rows)
    text = lambda v: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
    if isinstance(ndjson[0], dict):  # csv header = keys, cells = values
        assert all(list(o) == header for o in ndjson)
        assert [[text(o[k]) for k in header] for o in ndjson] == data_rows
        if not key:  # json is the array of the same objects
            assert ndjson == doc
    else:  # one column of bare names
        assert len(header) == 1 and [[text(v)] for v in ndjson] == data_rows == [[v] for v in doc]
    table = read_table(out["table"])
    assert len(table) == len(data_rows), out["table"]
    assert [r[0] for r in table] == [r[0] if header[0] != "topic" else f"{r[0]}-{r[1]}"
                                     for r in data_rows], out["table"]
    p = pinpipe(*base, *args, "--format", "yaml")
    assert p.returncode == 2 and "ndjson" in p.stderr
    if name in ("stream status", "analytics show"):  # --json: the deprecated spelling of json
        assert json.loads(pinpipe(*base, *args, "--json").stdout)[key] == doc[key]
