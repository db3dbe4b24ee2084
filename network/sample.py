"""A seeded county-scale sample network (like a Chinese survey deliverable) with injected faults and truth."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

SPACING = 50.0           # manhole spacing on the street lattice (m)
ORIGIN = (440000.0, 3360000.0)  # CGCS2000 / 3-degree GK CM 120E (EPSG:4549), around Anji
DIAMETERS = [300, 400, 500, 600, 800, 1000, 1200, 1500, 1800, 2000]
MATERIALS = ["砼", "HDPE", "PVC", "球墨铸铁", "钢筋混凝土"]
CJJ_STRUCTURAL = ["PL", "BX", "CK", "TJ", "SL", "QF"]
CJJ_FUNCTIONAL = ["CJ", "JG", "SG", "ZW"]


@dataclass
class Sample:
    """Plain records of the sample: pipes, nodes, CCTV defects, overflow events and the truth table."""

    pipes: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    defects: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    truth: list[dict[str, Any]] = field(default_factory=list)

    @property
    def length_km(self) -> float:
        """Total pipe length in km."""
        return sum(p["length"] for p in self.pipes) / 1000.0


def generate(km: float = 20.0, seed: int = 1) -> Sample:
    """Generate about ``km`` kilometres of storm, sanitary and some combined sewers with faults.

    >>> sample = generate(km=20, seed=3)
    >>> 15.0 < sample.length_km < 25.0 and {t["check"] for t in sample.truth} >= {"near_miss", "reverse_slope"}
    True
    """
    rng = np.random.default_rng(seed)
    sample = Sample()
    side = 14 if km < 60 else 20  # lattice cells per block side: ~2 x 0.65 km of pipe per cell row
    per_block_km = (side * side + (side - 1) ** 2) * SPACING / 1000.0
    # a large sample is never shorter than asked (the county target is a minimum)
    blocks = max(1, round(km / per_block_km) if km < 100 else math.ceil(km / per_block_km))
    columns = int(math.ceil(math.sqrt(blocks)))
    trees: list[dict] = []
    for block in range(blocks):
        ox = ORIGIN[0] + (block % columns) * (side * SPACING + 400.0)
        oy = ORIGIN[1] + (block // columns) * (side * SPACING + 400.0)
        storm_system = "combined" if block % 12 == 11 else "storm"
        trees.append(_tree(sample, rng, block, storm_system, ox, oy, side, 0.0, "outfall"))
        if storm_system == "storm":
            outlet = "plant" if block == 0 else "pump"
            trees.append(_tree(sample, rng, block, "sanitary", ox, oy, side - 1, SPACING / 2.0, outlet))
    _inject_faults(sample, rng, trees, km)
    _defects_and_events(sample, rng)
    for pipe in sample.pipes:  # survey lines are not always drawn in flow direction
        if rng.random() < 0.15:
            pipe["coords"] = pipe["coords"][::-1]
    return sample


def shifted(sample: Sample, dx: float, dy: float, prefix: str, system: str | None = None) -> Sample:
    """A copy of the sample's pipes, nodes, defects and events moved by (dx, dy), every id prefixed
    (``system``: a system code such as 'WS' given to all its pipes and nodes). With a small shift and
    another system, a parallel network 1-2 m beside the first (the partitioned audit's halo case); with a
    large one, another town (tiles).

    >>> copy = shifted(generate(km=20, seed=3), 1.5, 1.5, "C", system="WS")
    >>> copy.pipes[0]["id"].startswith("C") and copy.pipes[0]["system"]
    'WS'
    """
    def moved(xy):
        return (xy[0] + dx, xy[1] + dy)
    copy = Sample()
    for pipe in sample.pipes:
        ends = {"from": prefix + pipe["from"], "to": prefix + pipe["to"]}
        copy.pipes.append(dict(pipe, id=prefix + pipe["id"], **ends, system=system or pipe["system"],
                               coords=[moved(xy) for xy in pipe["coords"]]))
    for node in sample.nodes:
        copy.nodes.append(dict(node, id=prefix + node["id"], system=system or node["system"],
                               x=node["x"] + dx, y=node["y"] + dy))
    copy.defects = [dict(d, pipe_id=prefix + d["pipe_id"], x=d["x"] + dx, y=d["y"] + dy) for d in sample.defects]
    copy.events = [dict(e, x=e["x"] + dx, y=e["y"] + dy) for e in sample.events]
    return copy


def combined(*samples: Sample) -> Sample:
    """One sample of several (their records one after another; the truth tables too)."""
    joined = Sample()
    for sample in samples:
        for name in ("pipes", "nodes", "defects", "events", "truth"):
            getattr(joined, name).extend(getattr(sample, name))
    return joined


def _tree(sample, rng, block, system, ox, oy, side, offset, outlet_type) -> dict:
    """A random spanning tree of a jittered lattice, draining to an outlet west of the block."""
    code = {"storm": "YS", "sanitary": "WS", "combined": "HS"}[system]
    prefix = f"{code}{block:03d}"
    jitter = rng.uniform(-8.0, 8.0, size=(side, side, 2))
    xy = {(i, j): (ox + offset + i * SPACING + jitter[i, j, 0], oy + offset + j * SPACING + jitter[i, j, 1])
          for i in range(side) for j in range(side)}
    root = (0, side // 2)
    parent = {root: None}
    frontier = [root]
    while frontier:
        cell = frontier.pop(int(rng.integers(len(frontier))))
        i, j = cell
        for step in rng.permutation(4):
            di, dj = ((1, 0), (-1, 0), (0, 1), (0, -1))[step]
            nxt = (i + di, j + dj)
            if nxt in xy and nxt not in parent:
                parent[nxt] = cell
                frontier.append(nxt)
    names = {cell: f"{prefix}-{cell[0]:02d}{cell[1]:02d}" for cell in xy}
    # flow accumulates towards the root: count upstream cells to size the pipes
    # parent is filled as the tree grows, so its order has every parent before its children
    upstream = {cell: 1 for cell in parent}
    for cell in reversed(list(parent)):
        if parent[cell] is not None:
            upstream[parent[cell]] += upstream[cell]
    invert = {}
    outlet_xy = (xy[root][0] - 60.0, xy[root][1])
    outlet_name = f"{prefix}-OUT"
    invert[outlet_name] = 2.0 + rng.uniform(0, 1)
    slope = 0.004
    invert[root] = invert[outlet_name] + slope * 60.0
    for cell in parent:
        if parent[cell] is not None:
            invert[cell] = invert[parent[cell]] + rng.uniform(0.002, 0.006) * SPACING
    node_type = {"outfall": "出水口", "plant": "污水处理厂", "pump": "泵站"}[outlet_type]
    sample.nodes.append(_node(outlet_name, node_type, code, outlet_xy, invert[outlet_name] + 1.5,
                              invert[outlet_name]))
    for cell in parent:
        leaf = upstream[cell] == 1
        kind = "雨水篦" if system == "storm" and leaf and rng.random() < 0.3 else "检查井"
        ground = invert[cell] + rng.uniform(1.5, 3.0)
        sample.nodes.append(_node(names[cell], kind, code, xy[cell], ground, invert[cell]))
    ground_of = {n["id"]: n["ground"] for n in sample.nodes[-(len(parent) + 1):]}
    edges = []
    for cell, up in parent.items():
        down_name = outlet_name if up is None else names[up]
        down_xy = outlet_xy if up is None else xy[up]
        down_invert = invert[outlet_name] if up is None else invert[up]
        edges.append(_pipe(sample, rng, f"{names[cell]}P", names[cell], down_name, xy[cell], down_xy, code,
                           _diameter(upstream[cell], system), invert[cell], down_invert + 0.0,
                           ground_of[names[cell]], ground_of[down_name]))
    return {"system": system, "code": code, "outlet": outlet_name, "names": names, "parent": parent,
            "cells": {name: cell for cell, name in names.items()},
            "upstream": upstream, "xy": xy, "pipes": edges, "invert": invert}


def _diameter(upstream_cells: int, system: str) -> int:
    index = int(math.log2(max(upstream_cells, 1)) * (0.9 if system == "storm" else 0.7))
    return DIAMETERS[min(index, len(DIAMETERS) - 1)]


def _node(name, kind, code, xy, ground, invert) -> dict:
    return {"id": name, "type": kind, "system": code, "x": xy[0], "y": xy[1], "ground": round(ground, 3),
            "invert": round(invert, 3)}


def _pipe(sample, rng, name, start, end, start_xy, end_xy, code, diameter, up_invert, down_invert,
          up_ground, down_ground) -> dict:
    coords = [start_xy, end_xy]
    pipe = {"id": name, "from": start, "to": end, "system": code, "diameter": diameter,
            "material": MATERIALS[int(rng.integers(len(MATERIALS)))], "year": int(rng.integers(1985, 2024)),
            "up_invert": round(up_invert, 3), "down_invert": round(down_invert, 3),
            "up_depth": round(up_ground - up_invert, 3), "down_depth": round(down_ground - down_invert, 3),
            "coords": coords, "length": math.dist(*coords)}
    sample.pipes.append(pipe)
    return pipe


def _truth(sample, fault, check, feature, system, value="", note="", xy=None):
    sample.truth.append({"fault": fault, "check": check, "feature_id": feature, "system": system,
                         "value": str(value), "note": note, "x": xy[0] if xy else None, "y": xy[1] if xy else None})


def _inject_faults(sample: Sample, rng, trees: list[dict], km: float) -> None:
    """Faults of every kind, at least one each, about two per 20 km, recorded in the truth table."""
    count = max(1, int(round(km / 10.0)))
    nodes = {n["id"]: n for n in sample.nodes}
    storm = [t for t in trees if t["system"] == "storm"]
    sanitary = [t for t in trees if t["system"] == "sanitary"]
    used: set[str] = set()

    def pick(tree, leaf: bool, minimum_upstream: int = 1):
        candidates = [p for p in tree["pipes"] if p["id"] not in used and p["from"] not in used
                      and (tree["upstream"].get(_cell(tree, p["from"]), 0) == 1) == leaf
                      and tree["upstream"].get(_cell(tree, p["from"]), 0) >= minimum_upstream]
        pipe = candidates[int(rng.integers(len(candidates)))]
        used.update({pipe["id"], pipe["from"], pipe["to"]})
        return pipe

    for k in range(count):
        tree = storm[k % len(storm)]
        pipe = pick(tree, leaf=True)                      # near miss 0.6-2 m: end pulled off its manhole
        gap = rng.uniform(0.6, 2.0)
        pipe["coords"][0] = (pipe["coords"][0][0], pipe["coords"][0][1] + gap)
        _truth(sample, "near_miss", "near_miss", pipe["id"], "YS", round(gap, 2), xy=pipe["coords"][0])
        pipe = pick(tree, leaf=True)                      # small gap, within the snapping tolerance
        gap = rng.uniform(0.05, 0.45)
        pipe["coords"][0] = (pipe["coords"][0][0] + gap, pipe["coords"][0][1])
        _truth(sample, "small_gap", "snapped_gap", pipe["id"], "YS", round(gap, 2), xy=pipe["coords"][0])
        pipe = pick(tree, leaf=True)                      # dangle: the top manhole was never surveyed
        nodes.pop(pipe["from"])
        _truth(sample, "dangle", "dangling_end", pipe["id"], "YS", xy=pipe["coords"][0])
        pipe = pick(tree, leaf=False, minimum_upstream=3)  # duplicate record
        copy = dict(pipe, id=pipe["id"] + "D", coords=list(pipe["coords"]))
        sample.pipes.append(copy)
        _truth(sample, "duplicate", "duplicate_pipe", copy["id"], "YS", pipe["id"], xy=copy["coords"][0])
        pipe = pick(tree, leaf=False, minimum_upstream=3)  # reverse slope: inverts swapped
        pipe["up_invert"], pipe["down_invert"] = pipe["down_invert"] - 0.05, pipe["up_invert"]
        pipe["up_depth"], pipe["down_depth"] = pipe["down_depth"], pipe["up_depth"]
        _truth(sample, "reverse_slope", "reverse_slope", pipe["id"], "YS", xy=pipe["coords"][0])
        big = [p for p in tree["pipes"] if p["diameter"] >= 600 and p["id"] not in used and p["to"] != tree["outlet"]]
        pipe = big[int(rng.integers(len(big)))]           # bottleneck: a DN300 below larger pipes
        downstream = next(p for p in tree["pipes"] if p["from"] == pipe["to"])
        if downstream["id"] not in used:
            downstream["diameter"] = 300
            used.update({downstream["id"], pipe["id"]})
            _truth(sample, "bottleneck", "diameter_decrease", downstream["id"], "YS",
                   f"{pipe['diameter']}→300", xy=downstream["coords"][0])
        if sanitary:
            _cross(sample, rng, sanitary[k % len(sanitary)], storm, "WS", used, nodes)
            _cross(sample, rng, storm[(k + 1) % len(storm)], sanitary, "YS", used, nodes)
    sample.nodes = list(nodes.values())


def _cell(tree, name):
    return tree["cells"].get(name)


def _block(tree) -> str:
    """The block number in a tree's manhole names ('YS1234-0010' -> '1234')."""
    name = tree["names"][next(iter(tree["names"]))]
    return name[2:name.index("-")]


def _cross(sample, rng, tree, others, code, used, nodes) -> None:
    """Connect a manhole of one system to the nearest manhole of the other system in its block."""
    block = _block(tree)
    other = next((t for t in others if _block(t) == block), None)
    if other is None:  # no tree of the other system in this block: the nearest one
        start_xy = next(iter(tree["xy"].values()))
        other = min(others, key=lambda t: math.dist(next(iter(t["xy"].values())), start_xy))
    cells = [c for c, n in tree["names"].items() if n not in used and n in nodes]
    cell = cells[int(rng.integers(len(cells)))]
    start = tree["names"][cell]
    start_xy = tree["xy"][cell]
    target_cell = min(other["xy"], key=lambda c: math.dist(other["xy"][c], start_xy))
    target = other["names"][target_cell]
    if target not in nodes:
        return
    used.update({start, target})
    up_invert = tree["invert"][cell] - 0.3
    down_invert = min(up_invert - 0.05, other["invert"][target_cell] + 0.2)
    name = f"{start}X{target[-4:]}"
    _pipe(sample, rng, name, start, target, start_xy, other["xy"][target_cell], code, 200, up_invert, down_invert,
          nodes[start]["ground"], nodes[target]["ground"])
    kind = "sanitary→storm" if code == "WS" else "storm→sanitary"
    _truth(sample, "cross_connection", "cross_connection", name, code, kind, xy=start_xy)
    if code == "WS":
        _truth(sample, "dry_weather_outfall", "outfallsources", other["outlet"], "YS", target,
               note=f"dry-weather flow at {other['outlet']}: sewage enters the storm system at {target} via {name}",
               xy=other["xy"][target_cell])


def _defects_and_events(sample: Sample, rng) -> None:
    """CCTV defects clustered into breakage hotspots plus noise; overflow events at the bottlenecks."""
    pipes = [p for p in sample.pipes if not p["id"].endswith("D")]
    centres = [pipes[int(rng.integers(len(pipes)))] for _ in range(max(2, len(pipes) // 2500))]
    starts = cKDTree(np.array([pipe["coords"][0] for pipe in pipes], dtype=float))
    for number, centre in enumerate(centres, start=1):
        cx, cy = centre["coords"][0]
        _truth(sample, "breakage_hotspot", "hotspot", centre["id"], centre["system"], number, xy=(cx, cy))
        for index in sorted(starts.query_ball_point((cx, cy), 150.0)):  # pipes in list order, as drawn
            x, y = pipes[index]["coords"][0]
            if math.hypot(x - cx, y - cy) < 150.0:
                for _ in range(int(rng.integers(2, 5))):
                    _defect(sample, rng, pipes[index], CJJ_STRUCTURAL, (3, 5))
    for pipe in pipes:
        if rng.random() < 0.03:
            _defect(sample, rng, pipe, CJJ_STRUCTURAL + CJJ_FUNCTIONAL, (1, 3))
    for truth in [t for t in sample.truth if t["fault"] == "bottleneck"]:
        _truth(sample, "overflow_hotspot", "overflow_hotspot", truth["feature_id"], truth["system"],
               xy=(truth["x"], truth["y"]))
        for _ in range(int(rng.integers(8, 16))):
            _event(sample, rng, truth["x"] + rng.normal(0, 30), truth["y"] + rng.normal(0, 30))
    xs = [n["x"] for n in sample.nodes]
    ys = [n["y"] for n in sample.nodes]
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)
    for _ in range(max(3, len(pipes) // 1000)):
        _event(sample, rng, rng.uniform(west, east), rng.uniform(south, north))


def _defect(sample, rng, pipe, codes, grades) -> None:
    (x0, y0), (x1, y1) = pipe["coords"][0], pipe["coords"][-1]
    distance = rng.uniform(0, pipe["length"])
    ratio = distance / pipe["length"] if pipe["length"] else 0.0
    sample.defects.append({"pipe_id": pipe["id"], "distance": round(distance, 2),
                           "code": codes[int(rng.integers(len(codes)))], "grade": int(rng.integers(*grades)),
                           "x": x0 + ratio * (x1 - x0), "y": y0 + ratio * (y1 - y0)})


def _event(sample, rng, x, y) -> None:
    day = int(rng.integers(0, 5 * 365))
    sample.events.append({"date": f"{2019 + day // 365}-{1 + (day % 365) // 31:02d}-{1 + day % 28:02d}",
                          "volume_m3": round(float(rng.uniform(5, 200)), 1), "x": x, "y": y})


PIPE_NAMES = {"en": ["pipe_id", "from_node", "to_node", "system", "diameter", "material", "install_year",
                     "up_invert", "down_invert", "up_depth", "down_depth"],
              "zh": ["管线编号", "起点点号", "终点点号", "类别", "管径", "材质", "敷设年代", "起点管底高程",
                     "终点管底高程", "起点埋深", "终点埋深"]}
NODE_NAMES = {"en": ["node_id", "node_type", "system", "ground_elev", "invert_elev"],
              "zh": ["物探点号", "附属物", "类别", "地面高程", "井底高程"]}
DEFECT_NAMES = {"en": ["pipe_id", "distance", "code", "grade"], "zh": ["管段编号", "距离", "缺陷代码", "缺陷等级"]}
EVENT_NAMES = {"en": ["date", "volume_m3"], "zh": ["日期", "溢流量"]}
NODE_TYPES_EN = {"检查井": "manhole", "雨水篦": "catch basin", "出水口": "outfall", "污水处理厂": "treatment plant",
                 "泵站": "pump station"}


def write_gpkg(sample: Sample, path: str, chinese: bool = True, epsg: int = 4549) -> None:
    """Write pipes, nodes, defects, events and truth layers into one GeoPackage (GDAL/OGR, no QGIS)."""
    from osgeo import ogr, osr

    language = "zh" if chinese else "en"
    driver = ogr.GetDriverByName("GPKG")
    source = driver.CreateDataSource(path)
    if source is None:
        raise OSError(f"cannot create {path}")
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    pipe_rows = (([p["id"], p["from"], p["to"], p["system"], p["diameter"], p["material"], p["year"],
                   p["up_invert"], p["down_invert"], p["up_depth"], p["down_depth"]], p["coords"])
                 for p in sample.pipes)
    _layer(source, srs, "pipes", ogr.wkbLineString, PIPE_NAMES[language],
           ["s", "s", "s", "s", "i", "s", "i", "f", "f", "f", "f"], pipe_rows)
    node_rows = (([n["id"], n["type"] if chinese else NODE_TYPES_EN[n["type"]], n["system"], n["ground"],
                   n["invert"]], [(n["x"], n["y"])]) for n in sample.nodes)
    _layer(source, srs, "nodes", ogr.wkbPoint, NODE_NAMES[language], ["s", "s", "s", "f", "f"], node_rows)
    _layer(source, srs, "defects", ogr.wkbPoint, DEFECT_NAMES[language], ["s", "f", "s", "i"],
           (([d["pipe_id"], d["distance"], d["code"], d["grade"]], [(d["x"], d["y"])]) for d in sample.defects))
    _layer(source, srs, "events", ogr.wkbPoint, EVENT_NAMES[language], ["s", "f"],
           (([e["date"], e["volume_m3"]], [(e["x"], e["y"])]) for e in sample.events))
    _layer(source, srs, "truth", ogr.wkbPoint, ["fault", "check", "feature_id", "system", "value", "note"],
           ["s"] * 6, (([t["fault"], t["check"], t["feature_id"], t["system"], t["value"], t["note"]],
                        [(t["x"], t["y"])] if t["x"] is not None else None) for t in sample.truth))
    source = None


def _layer(source, srs, name, geometry_type, names, kinds, rows) -> None:
    from osgeo import ogr

    layer = source.CreateLayer(name, srs, geometry_type, options=["SPATIAL_INDEX=YES"])
    types = {"s": ogr.OFTString, "i": ogr.OFTInteger, "f": ogr.OFTReal}
    for field_name, kind in zip(names, kinds):
        layer.CreateField(ogr.FieldDefn(field_name, types[kind]))
    definition = layer.GetLayerDefn()
    layer.StartTransaction()
    for values, coords in rows:
        feature = ogr.Feature(definition)
        for index, value in enumerate(values):
            if value is not None:
                feature.SetField(index, value)
        if coords:
            geometry = ogr.Geometry(geometry_type)
            if geometry_type == ogr.wkbPoint:
                geometry.AddPoint_2D(*coords[0])
            else:
                for x, y in coords:
                    geometry.AddPoint_2D(x, y)
            feature.SetGeometry(geometry)
        layer.CreateFeature(feature)
    layer.CommitTransaction()
