"""The HTML report in a real browser: Debian's headless Chromium opens the analytics report a
real DAG run wrote (generated raw objects plus one interaction with markup-like and non-ASCII
values) and every chart must be drawn (bars with a positive size), and a screenshot is taken.
`assert_report_charts_drawn` is reusable for any report (the real analytics report too)."""
import csv
import html as htmllib
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
    lines = {t: [json.dumps(rec)] for t, rec in extra.items()}
    # Two countries whose names share a long prefix, each with enough pins and followers to be
    # in the top-N charts: their labels must stay distinguishable.
    for n, country in enumerate(LONG_COUNTRIES):
        for i in range(40):
            ind = 900000 + 100 * n + i
            lines["pin"].append(json.dumps(dict(extra["pin"], index=ind, unique_id=f"l{ind}", poster_name=f"{country} poster",
                                                follower_count=f"{9 - n}M", category="travel")))
            lines["geo"].append(json.dumps(dict(extra["geo"], ind=ind, country=country)))
            lines["user"].append(json.dumps(dict(extra["user"], ind=ind)))
    for t in extra:
        d = lake / f"pinterest.{t}" / "partition=1"
        d.mkdir(parents=True)
        (d / f"pinterest.{t}+1+0000000000.json").write_text("\n".join(lines[t]) + "\n")
    pinpipe(data, "dag", "run", "--date", "2026-11-21")
    report = data / "reports" / "2026-11-21" / "index.html"
    text = report.read_text()
    xml.dom.minidom.parseString(text.encode())  # well-formed
    # Self-contained: one inline script (table sorting), nothing fetched.
    assert text.count("<script") == 1 and "<script>" in text and "src=" not in text
    assert "https://" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # data is escaped

    assert_world_map(text, data / "reports" / "2026-11-21" / "category_by_country.csv")
    dom = assert_report_charts_drawn(report, tmp_path / "profile")
    assert len(re.findall(r"<svg\b", dom)) >= 8  # one chart per analytics table with values
    assert "日本" in dom and "Côte d'Ivoire" in dom.replace("&#39;", "'")
    assert "<script>alert(1)" not in dom

    m = measure_report(report, tmp_path)
    # Full width: every chart spans its section's content box, which is the page's content width.
    assert m["charts"], m
    for c in m["charts"]:
        assert abs(c["width"] - c["content"]) <= 2, c
        assert c["width"] >= 0.95 * m["main_content"], (c, m["main_content"])
    # Long labels: the two countries' labels differ on screen, each with its full label as tooltip.
    shown = {}
    for lab in m["labels"]:
        for country in LONG_COUNTRIES:
            if lab["full"].startswith(country):
                shown.setdefault(lab["chart"], {}).setdefault(country, set()).add(lab["visible"])
    charts_with_both = [c for c, by in shown.items() if len(by) == 2]
    assert charts_with_both, shown
    for c in charts_with_both:
        north, south = shown[c][LONG_COUNTRIES[0]], shown[c][LONG_COUNTRIES[1]]
        assert not (north & south), (c, north, south)
    # Sorting: a click on a number column's header orders the rows by value, a second reverses.
    assert m["sort"]["asc"] == sorted(m["sort"]["asc"]) and len(m["sort"]["asc"]) > 1, m["sort"]
    assert m["sort"]["desc"] == sorted(m["sort"]["asc"], reverse=True), m["sort"]
    assert m["sort"]["aria"] == ["ascending", "descending"]
    print(f"report height at 1280 px: {m['height']} px; chart width {m['charts'][0]['width']} px "
          f"of {m['main_content']} px content")
    Path("/tmp/pinpipe-report-height.txt").write_text(f"{m['height']}\n")

    png = tmp_path / "report.png"
    proc = chromium([f"--screenshot={png}", "--window-size=1280,2600", report.resolve().as_uri()],
                    tmp_path / "profile")
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20000
    keep = Path("/tmp/pinpipe-report-screenshot.png")
    shutil.copy(png, keep)  # for a human to look at


LONG_COUNTRIES = ["Bouvet Island (Bouvetoya) and the Heard Islands North",
                  "Bouvet Island (Bouvetoya) and the Heard Islands South"]

# Appended to a copy of the report: measures the page at a 1280 px window and writes JSON into
# the DOM, which --dump-dom prints (the report itself carries no test code).
MEASURE = """<pre id="measure"></pre><script>
(function () {
  var box = function (e) { var s = getComputedStyle(e);
    return e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); };
  var m = { height: document.documentElement.scrollHeight, main_content: box(document.querySelector('main')),
            charts: [], labels: [], sort: {} };
  document.querySelectorAll('svg.chart').forEach(function (svg, i) {
    m.charts.push({ width: svg.getBoundingClientRect().width, content: box(svg.closest('section')) });
    svg.querySelectorAll('text.label').forEach(function (t) {
      var vis = ''; t.childNodes.forEach(function (n) { if (n.nodeType === 3) vis += n.nodeValue; });
      m.labels.push({ chart: i, full: t.querySelector('title').textContent, visible: vis });
    });
  });
  var t = document.querySelector('section[id*=top_user_by_country] table.data');
  var th = t.tHead.rows[0].cells, col = -1;
  for (var i = 0; i < th.length; i++) if (th[i].classList.contains('num')) { col = i; break; }
  var read = function () { return Array.prototype.map.call(t.tBodies[0].rows, function (r) {
    return Number(r.cells[col].textContent.replace(/,/g, '')); }); };
  th[col].click(); m.sort.asc = read(); var a1 = th[col].getAttribute('aria-sort');
  th[col].click(); m.sort.desc = read(); m.sort.aria = [a1, th[col].getAttribute('aria-sort')];
  document.getElementById('measure').textContent = JSON.stringify(m);
})();
</script>"""


def measure_report(report, tmp_path):
    copy = tmp_path / "measure.html"
    copy.write_text(report.read_text().replace("</body>", MEASURE + "</body>"))
    proc = chromium(["--window-size=1280,900", "--dump-dom", copy.resolve().as_uri()], tmp_path / "profile")
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = re.search(r'<pre id="measure">(.*?)</pre>', proc.stdout, flags=re.S)
    assert found and found.group(1), proc.stdout[-2000:]
    return json.loads(htmllib.unescape(found.group(1)))


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
