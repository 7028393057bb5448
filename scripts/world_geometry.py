#!/usr/bin/env python3
"""Converts Natural Earth country shapes (the `world-atlas` npm package's TopoJSON, installed by
scripts/fetch-geometry into a cache outside the repository) into a C++ source of projected SVG
paths: src/report/world_shapes.h's WorldShapes(), for the HTML report and the dashboard.

    world_geometry.py --atlas DIR --out world_shapes.cc

The 1:110m countries are the base; a country missing from them (small islands: Andorra, Aruba,
Malta, ...) is taken from the 1:50m file. Features without an ISO 3166-1 numeric id (N. Cyprus,
Somaliland, Kosovo) are skipped. Projection: Equal Earth (Šavrič, Patterson, Jenny 2018),
scaled to a 960-unit-wide view box. Without DIR (or its files) the output holds no shape and the
map shows its table only: the build never depends on the geometry being there.
"""
import argparse
import json
import math
import os
import sys

WIDTH = 960.0
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(lon, lat):
    lam, phi = math.radians(lon), math.radians(lat)
    t = math.asin(M * math.sin(phi))
    t2 = t * t
    t6 = t2 * t2 * t2
    x = lam * math.cos(t) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = t * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


X_MAX = equal_earth(180, 0)[0]
Y_MAX = equal_earth(0, 90)[1]
SCALE = WIDTH / (2 * X_MAX)
HEIGHT = round(2 * Y_MAX * SCALE, 1)


def to_view(lon, lat):
    x, y = equal_earth(lon, lat)
    return (x + X_MAX) * SCALE, (Y_MAX - y) * SCALE


def decode_arcs(topo):
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring_points(arcs, ring):
    pts = []
    for i in ring:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(a if not pts else a[1:])
    return pts


def split_seam(pts):
    """Rings of Russia and Fiji cross the 180th meridian (their points jump from +179 to -179):
    drawn as they are, they streak across the map. Such a ring is unwrapped to continuous
    longitudes and drawn twice, once on each side, its longitudes clamped to [-180, 180] (their
    crossings lie on the meridian, so clamping is the clip). A ring around a pole (Antarctica:
    its unwrapped longitudes wind by 360°) stays as it is."""
    out = [pts[0]]
    for lon, lat in pts[1:]:
        prev = out[-1][0]
        while lon - prev > 180:
            lon -= 360
        while lon - prev < -180:
            lon += 360
        out.append((lon, lat))
    lons = [lon for lon, _ in out]
    if abs(out[-1][0] - out[0][0]) > 180 or (min(lons) >= -180 and max(lons) <= 180):
        return [pts]
    rings = []
    for shift in (0, 360, -360):
        if any(-180 < lon + shift < 180 for lon in lons):
            rings.append([(min(180.0, max(-180.0, lon + shift)), lat) for lon, lat in out])
    return rings


def path_of(arcs, geom):
    if geom["type"] == "Polygon":
        polygons = [geom["arcs"]]
    elif geom["type"] == "MultiPolygon":
        polygons = geom["arcs"]
    else:
        return ""
    out = []
    for polygon in polygons:
        for ring in (r for arc_ring in polygon for r in split_seam(ring_points(arcs, arc_ring))):
            last = None
            seg = []
            for lon, lat in ring:
                x, y = to_view(lon, lat)
                p = (round(x, 1), round(y, 1))
                if p != last:
                    seg.append("%g,%g" % p)
                    last = p
            if len(seg) >= 3:
                out.append("M" + "L".join(seg[:2]) + (" " + " ".join(seg[2:]) if len(seg) > 2 else "") + "Z")
    return "".join(out)


def load(path):
    with open(path, encoding="utf-8") as f:
        topo = json.load(f)
    arcs = decode_arcs(topo)
    shapes = {}
    for g in topo["objects"]["countries"]["geometries"]:
        gid = g.get("id")
        if gid is None or not str(gid).isdigit():
            continue
        d = path_of(arcs, g)
        if d:
            shapes[int(gid)] = (g.get("properties", {}).get("name", ""), d)
    return shapes


def cxx_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--atlas", default="")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    shapes = {}
    source = "none (the geometry cache is absent: run scripts/fetch-geometry)"
    base = os.path.join(args.atlas, "countries-110m.json") if args.atlas else ""
    if base and os.path.exists(base):
        shapes = load(base)
        source = "world-atlas countries-110m.json"
        fine = os.path.join(args.atlas, "countries-50m.json")
        if os.path.exists(fine):
            for gid, v in load(fine).items():
                shapes.setdefault(gid, v)
            source += " + countries-50m.json for the countries 110m lacks"
    lines = [
        "// Generated by scripts/world_geometry.py from Natural Earth (public domain) through the",
        "// world-atlas package: " + source + ". Do not edit.",
        '#include "report/world_shapes.h"',
        "",
        "namespace pinpipe::report {",
        "namespace {",
        "constexpr CountryShape kShapes[] = {",
    ]
    for gid in sorted(shapes):
        name, d = shapes[gid]
        lines.append("    {%d, %s, %s}," % (gid, cxx_string(name), cxx_string(d)))
    if not shapes:
        lines.append("    {0, \"\", \"\"},")
    lines += [
        "};",
        "}  // namespace",
        "",
        "std::span<const CountryShape> WorldShapes() {",
        "  return std::span<const CountryShape>(kShapes).first(%d);" % len(shapes),
        "}",
        "",
        "}  // namespace pinpipe::report",
        "",
    ]
    text = "\n".join(lines)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    if not os.path.exists(args.out) or open(args.out, encoding="utf-8").read() != text:
        os.replace(tmp, args.out)
    else:
        os.remove(tmp)
    print("world geometry: %d shapes (%s)" % (len(shapes), source), file=sys.stderr)


if __name__ == "__main__":
    main()
