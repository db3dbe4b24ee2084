"""EPANET .inp water-supply models to pipe and node records; valves become nodes for isolation."""

from __future__ import annotations

from .inp import ModelFileError, coordinate, need, number, read_inp, unique
from .swmm import ModelNetwork

SECTIONS = {"TITLE", "JUNCTIONS", "RESERVOIRS", "TANKS", "PIPES", "PUMPS", "VALVES", "TAGS", "DEMANDS",
            "STATUS", "PATTERNS", "CURVES", "CONTROLS", "RULES", "ENERGY", "EMITTERS", "QUALITY", "SOURCES",
            "REACTIONS", "MIXING", "TIMES", "REPORT", "OPTIONS", "COORDINATES", "VERTICES", "LABELS",
            "BACKDROP", "END", "LEAKAGE"}
US_UNITS = {"CFS", "GPM", "MGD", "IMGD", "AFD"}
FEET, INCH_MM = 0.3048, 25.4


def read_epanet(path: str) -> ModelNetwork:
    """Read junctions, tanks, reservoirs, pipes and pumps; each valve becomes a node of type valve.

    A valve link A–B becomes node 'B_valve' (named after the valve) between two short connector
    links, so that pipenet:valveisolation can close it.
    """
    model = read_inp(path, SECTIONS)
    options = {fields[0].upper(): fields[1].upper() for _, fields in model.rows("OPTIONS") if len(fields) > 1}
    us = options.get("UNITS", "GPM") in US_UNITS
    length_scale, diameter_scale = (FEET, INCH_MM) if us else (1.0, 1.0)
    coordinates = {f[0]: (coordinate(model, n, f[1], "X"), coordinate(model, n, f[2], "Y"))
                   for n, f in model.rows("COORDINATES") if len(f) >= 3}
    result = ModelNetwork(warnings=[f"unknown section [{s}] ignored" for s in model.unknown_sections])
    if us:
        result.warnings.append(f"US units (UNITS {options.get('UNITS', 'GPM')}): lengths and elevations converted "
                               "from feet to metres, diameters from inches to mm; coordinates kept as in the model")
    nodes = {}
    node_lines: dict[str, int] = {}
    link_lines: dict[str, int] = {}
    for section, kind in (("JUNCTIONS", "junction"), ("RESERVOIRS", "reservoir"), ("TANKS", "tank")):
        for line, fields in model.rows(section):
            need(model, line, fields, 2, section)
            unique(model, node_lines, fields[0], line, "node")
            elevation = number(model, line, fields[1], "elevation") * length_scale
            demand = number(model, line, fields[2], "demand") if kind == "junction" and len(fields) > 2 else None
            nodes[fields[0]] = {"name": fields[0], "node_type": kind, "ground_elev": elevation,
                                "demand": demand, "xy": coordinates.get(fields[0]), "line": line}
    vertices: dict[str, list] = {}
    for line, fields in model.rows("VERTICES"):
        need(model, line, fields, 3, "VERTICES")
        vertices.setdefault(fields[0], []).append((coordinate(model, line, fields[1], "X"),
                                                   coordinate(model, line, fields[2], "Y")))

    def coords_of(name, start, end, line):
        unique(model, link_lines, name, line, "link")
        missing = [n for n in (start, end) if n not in nodes or nodes[n]["xy"] is None]
        if missing:
            raise ModelFileError(f"{path}, line {line}: link {name} joins node(s) {', '.join(missing)} "
                                 "that have no definition or no coordinates.")
        return [nodes[start]["xy"], *vertices.get(name, []), nodes[end]["xy"]]

    for line, fields in model.rows("PIPES"):
        need(model, line, fields, 6, "PIPES")
        name, start, end = fields[:3]
        result.links.append({"name": name, "link_type": "pipe", "from_node": start, "to_node": end,
                             "length": number(model, line, fields[3], "length", positive=True) * length_scale,
                             "diameter": number(model, line, fields[4], "diameter", positive=True)
                             * diameter_scale,
                             "roughness": number(model, line, fields[5], "roughness"),
                             "status": fields[7] if len(fields) > 7 else "OPEN", "system": "water",
                             "coords": coords_of(name, start, end, line)})
    for line, fields in model.rows("PUMPS"):
        need(model, line, fields, 3, "PUMPS")
        name, start, end = fields[:3]
        result.links.append({"name": name, "link_type": "pump", "from_node": start, "to_node": end,
                             "system": "water", "coords": coords_of(name, start, end, line)})
    for line, fields in model.rows("VALVES"):
        need(model, line, fields, 5, "VALVES")
        name, start, end = fields[:3]
        coords = coords_of(name, start, end, line)
        middle = ((coords[0][0] + coords[-1][0]) / 2.0, (coords[0][1] + coords[-1][1]) / 2.0)
        nodes[name] = {"name": name, "node_type": "valve", "valve_type": fields[4].upper(),
                       "diameter": number(model, line, fields[3], "diameter") * diameter_scale,
                       "ground_elev": None, "demand": None, "xy": middle, "line": line}
        for suffix, (a, b, points) in (("a", (start, name, [coords[0], middle])),
                                       ("b", (name, end, [middle, coords[-1]]))):
            result.links.append({"name": f"{name}_{suffix}", "link_type": "valve_link", "from_node": a,
                                 "to_node": b, "system": "water", "coords": points})
    for node in nodes.values():
        if node["xy"] is None:
            result.warnings.append(f"node {node['name']} (line {node['line']}) has no [COORDINATES]; left out")
    result.nodes = [n for n in nodes.values() if n["xy"] is not None]
    if not result.links:
        raise ModelFileError(f"{path}: the model has no links ([PIPES] is empty or missing).")
    return result
