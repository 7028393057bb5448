"""The HTML report in a real browser: Debian's headless Chromium opens the analytics report a
real DAG run wrote (generated raw objects plus one interaction with markup-like and non-ASCII
values) and every chart must be drawn (bars with a positive size), and a screenshot is taken.
`assert_report_charts_drawn` is reusable for any report (the real analytics report too)."""
import csv
import json
import re
import shutil
import subprocess
import xml.dom.minidom
from pathlib import Path

import pytest

from test_dag import pinpipe, seed_lake

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars"]


def chromium(args, profile, timeout=90):
    cmd = [CHROMIUM] + CHROMIUM_FLAGS + [f"--user-data-dir={profile}"] + args
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def assert_report_charts_drawn(html_path, profile_dir, expected_charts=None):
    """Opens html_path in headless Chromium; checks each <svg> chart has drawn bars.
    Returns the DOM Chromium rendered."""
    proc = chromium(["--dump-dom", Path(html_path).resolve().as_uri()], profile_dir)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    svgs = re.findall(r"<svg\b.*?</svg>", dom, flags=re.S)
    # The world map (Q1) has country paths, no bars: assert_world_map checks it.
    svgs = [s for s in svgs if 'class="worldmap"' not in s[:200]]
    assert svgs, "no charts in the rendered page"
    if expected_charts is not None:
        assert len(svgs) == expected_charts
    for svg in svgs:
        bars = re.findall(r'<rect class="bar"([^>]*)>', svg)
        assert bars, "a chart without bars"
        parsed = [dict(re.findall(r'([\w-]+)="([^"]*)"', attrs)) for attrs in bars]
        value = lambda a: abs(float(a["data-value"]))
        top = max(value(a) for a in parsed)
        assert top > 0, "a chart whose bars are all zero"
        for a in parsed:
            assert float(a["width"]) >= 0 and float(a["height"]) >= 0
            # Every non-zero value is visible, however small next to the largest (real data:
            # 292 followers next to 15M).
            if value(a) != 0:
                assert float(a["width"]) >= 1 and float(a["height"]) >= 1, a
    return dom


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/setup installs it)")
def test_report_renders_in_chromium(tmp_path):
    data = tmp_path / "data"
    seed_lake(data, interactions=2000)
    # One more interaction whose country and poster need escaping (its own country: top there).
    lake = data / "lake" / "topics"
    extra = {
        "pin": {"index": 999999, "unique_id": "x", "title": "t", "description": "d",
                "poster_name": "Côte d'Ivoire <b>", "follower_count": "5k", "tag_list": "a",
                "is_image_or_video": "image", "image_src": "s", "downloaded": 1,
                "save_location": "Local save in /data/art", "category": "art"},
        "geo": {"ind": 999999, "timestamp": "2020-01-01 00:00:00", "latitude": 1.0,
                "longitude": 2.0, "country": "<script>alert(1)</script> 日本"},
        "user": {"ind": 999999, "first_name": "Zoë", "last_name": "日本", "age": 30,
                 "date_joined": "2016-01-01 00:00:00"},
    }
    for t, rec in extra.items():
        d = lake / f"pinterest.{t}" / "partition=1"
        d.mkdir(parents=True)
        (d / f"pinterest.{t}+1+0000000000.json").write_text(json.dumps(rec) + "\n")
    pinpipe(data, "dag", "run", "--date", "2026-11-21")
    report = data / "reports" / "2026-11-21" / "index.html"
    text = report.read_text()
    xml.dom.minidom.parseString(text.encode())  # well-formed
    assert "<script" not in text and "https://" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # data is escaped

    assert_world_map(text, data / "reports" / "2026-11-21" / "category_by_country.csv")
    dom = assert_report_charts_drawn(report, tmp_path / "profile")
    assert len(re.findall(r"<svg\b", dom)) >= 8  # one chart per analytics table with values
    assert "日本" in dom and "Côte d'Ivoire" in dom.replace("&#39;", "'")
    assert "<script>alert(1)" not in dom

    png = tmp_path / "report.png"
    proc = chromium([f"--screenshot={png}", "--window-size=1280,2600", report.resolve().as_uri()],
                    tmp_path / "profile")
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20000
    keep = Path("/tmp/pinpipe-report-screenshot.png")
    shutil.copy(png, keep)  # for a human to look at


def assert_world_map(html, q1_csv):
    """Q1's world map in the report: one path per country on the map, filled with the legend's
    colour of its (first) Q1 category; every other country of Q1 in the table beside it; and
    nothing loaded from the network."""
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, flags=re.I)
    fig = re.search(r'<figure class="worldmap">(.*?)</figure>', html, flags=re.S)
    assert fig, "no world map"
    fig = fig.group(1)
    unescape = lambda s: s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&#39;", "'").replace("&amp;", "&")  # noqa: E731
    first = {}
    with open(q1_csv, newline="") as f:
        for row in csv.DictReader(f):
            first.setdefault(row["country"], row["category"])  # rows sorted by country, category
    legend = {unescape(c): color for color, c in
              re.findall(r'<li><span class="swatch" style="background:(#[0-9a-f]{6})"></span>([^<]*) <span', fig)}
    assert set(legend) == set(first.values())
    paths = re.findall(r'<path class="country" data-iso="(\d+)" data-country="([^"]*)" data-category="([^"]*)" '
                       r'fill="([^"]*)"', fig)
    on_map = {}
    for iso, country, category, fill in paths:
        country = unescape(country)
        assert country not in on_map, f"{country} drawn twice"
        on_map[country] = iso
        assert unescape(category) == first[country], country
        assert fill == legend[first[country]], country
    assert len(set(on_map.values())) == len(on_map)
    listed = [unescape(c) for c in re.findall(r'<tr><td>([^<]*)</td><td><span class="swatch"', fig)]
    assert sorted(list(on_map) + listed) == sorted(first), "a Q1 country is neither on the map nor listed"
    assert len(on_map) > len(listed)
    return on_map, listed


def comparison_rows(html):
    """The report's comparison table: label → (this run, previous, change) as printed."""
    table = re.search(r'<table class="data comparison">(.*?)</table>', html, flags=re.S)
    assert table, "no comparison table"
    cells = re.findall(r'<tr><td>([^<]*)</td><td class="num">([^<]*)</td><td class="num">([^<]*)</td>'
                       r'<td class="num">([^<]*)</td></tr>', table.group(1))
    return {c[0]: c[1:] for c in cells}


def test_report_counts_quarantine_and_duplicates_and_compares_with_the_previous_run(tmp_path):
    from test_dag import runs_db
    data = tmp_path / "data"
    seed_lake(data, interactions=600)
    num = lambda s: int(s.replace(",", "").replace("\u2212", "-"))  # noqa: E731
    pinpipe(data, "dag", "run", "--date", "2026-11-20", timeout=120)
    first = comparison_rows((data / "reports" / "2026-11-20" / "index.html").read_text())
    assert first["pin rows quarantined"][1] == "–"  # no earlier run
    # More raw data (a duplicate of every pin object), then the next day's run.
    pins = sorted((data / "lake" / "topics").glob("*.pin/partition=0/*.json"))
    last = int(pins[-1].stem.rsplit("+", 1)[1])
    shutil.copy(pins[0], pins[0].with_name(pins[0].name.replace(pins[0].stem.rsplit("+", 1)[1], f"{last + 1000:010d}")))
    pinpipe(data, "dag", "run", "--date", "2026-11-21", timeout=120)
    html = (data / "reports" / "2026-11-21" / "index.html").read_text()
    rows = comparison_rows(html)
    assert "logical date 2026-11-20" in html
    # The numbers are the clean tasks' own: records_quarantined and the summary's duplicates.
    tasks = {}
    for r in runs_db(data).execute(
            "SELECT r.logical_date, t.task_id, t.records_quarantined, t.summary FROM task_instances t "
            "JOIN dag_runs r ON r.id = t.run_pk"):
        tasks[(r["logical_date"], r["task_id"])] = r
    for kind in ("pin", "geo", "user"):
        for date, col in (("2026-11-21", 0), ("2026-11-20", 1)):
            t = tasks[(date, f"clean_{kind}")]
            dups = int(re.search(r"([\d,]+) duplicates dropped", t["summary"]).group(1).replace(",", ""))
            assert num(rows[f"{kind} rows quarantined"][col]) == t["records_quarantined"]
            assert num(rows[f"{kind} duplicates dropped"][col]) == dups
        now, prev, change = rows[f"{kind} duplicates dropped"]
        assert (num(change) if change != "0" else 0) == num(now) - num(prev)
    # The copied object: 50 more pin duplicates than the day before.
    assert num(rows["pin duplicates dropped"][0]) - num(rows["pin duplicates dropped"][1]) == 50
    # Result tables: this run's rows are its CSVs' rows.
    for name, (now, prev, change) in rows.items():
        if not name.endswith(" rows") or name.endswith("quarantined rows"):
            continue
        csv = data / "reports" / "2026-11-21" / (name[:-5] + ".csv")
        assert num(now) == len(csv.read_text().splitlines()) - 1, name
