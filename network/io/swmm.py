"""EPA SWMM 5 .inp models to pipe and node records (conduits, pumps, orifices, weirs, outlets)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .inp import InpFile, ModelFileError, coordinate, need, number, read_inp, unique

SECTIONS = {"TITLE", "OPTIONS", "EVAPORATION", "RAINGAGES", "SUBCATCHMENTS", "SUBAREAS", "INFILTRATION",
            "SNOWPACKS", "JUNCTIONS", "OUTFALLS", "STORAGE", "DIVIDERS", "CONDUITS", "PUMPS", "ORIFICES",
            "WEIRS", "OUTLETS", "XSECTIONS", "LOSSES", "CURVES", "TIMESERIES", "PATTERNS", "REPORT", "TAGS",
            "MAP", "COORDINATES", "VERTICES", "POLYGONS", "SYMBOLS", "LABELS", "BACKDROP", "CONTROLS",
            "INFLOWS", "DWF", "RDII", "HYDROGRAPHS", "LID_CONTROLS", "LID_USAGE", "POLLUTANTS", "LANDUSES",
            "COVERAGES", "LOADINGS", "BUILDUP", "WASHOFF", "TREATMENT", "FILES", "TEMPERATURE", "ADJUSTMENTS",
            "AQUIFERS", "GROUNDWATER", "GWF", "TRANSECTS", "STREETS", "INLETS", "INLET_USAGE", "EVENTS"}
US_UNITS = {"CFS", "GPM", "MGD"}
FEET = 0.3048


@dataclass
class ModelNetwork:
    """Nodes and links of a hydraulic model, with coordinates, as plain dicts."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def layers(self, name: str = "model") -> tuple:
        """The links and nodes as pipe and node layers (LayerData) for build_network: the links keep
        their model from/to node ids (which place them) and their model length (metres).

        Coordinates are the model's own; give the model's CRS to reproject them.
        """
        from ..model.records import LayerData, NodeRecord, PipeRecord

        link_fields = list(dict.fromkeys(key for link in self.links for key in link if key not in ("coords", "line")))
        node_fields = list(dict.fromkeys(key for node in self.nodes for key in node if key not in ("xy", "line")))
        pipes = [PipeRecord(fid, [list(link["coords"])], {k: link.get(k) for k in link_fields})
                 for fid, link in enumerate(self.links, start=1)]
        nodes = [NodeRecord(fid, tuple(node["xy"]), {k: node.get(k) for k in node_fields})
                 for fid, node in enumerate(self.nodes, start=1)]
        return (LayerData(f"{name} links", link_fields, pipes), LayerData(f"{name} nodes", node_fields, nodes))


def read_swmm(path: str) -> ModelNetwork:
    """Read nodes (ground = invert + max depth) and links (inverts from offsets) of a SWMM model.

    Lengths, depths and elevations are converted to metres and diameters to millimetres when the
    model uses US flow units.
    """
    model = read_inp(path, SECTIONS)
    options = {fields[0].upper(): fields[1].upper() for _, fields in model.rows("OPTIONS") if len(fields) > 1}
    scale = FEET if options.get("FLOW_UNITS", "CMS") in US_UNITS else 1.0
    offsets_as_elevation = options.get("LINK_OFFSETS", "DEPTH") == "ELEVATION"
    result = ModelNetwork(warnings=[f"unknown section [{s}] ignored" for s in model.unknown_sections])
    if scale != 1.0:
        result.warnings.append(f"US units (FLOW_UNITS {options['FLOW_UNITS']}): lengths, depths and elevations "
                               "converted from feet to metres, diameters to mm; coordinates kept as in the model "
                               "(give its CRS to measure the drawing in metres)")
    coordinates = _coordinates(model)
    nodes: dict[str, dict] = {}
    node_lines: dict[str, int] = {}
    link_lines: dict[str, int] = {}
    for section, kind, depth_column in (("JUNCTIONS", "junction", 2), ("OUTFALLS", "outfall", None),
                                        ("STORAGE", "storage", 2), ("DIVIDERS", "divider", None)):
        for line, fields in model.rows(section):
            need(model, line, fields, 2, section)
            unique(model, node_lines, fields[0], line, "node")
            invert = number(model, line, fields[1], "invert elevation") * scale
            depth = number(model, line, fields[depth_column], "max depth") * scale \
                if depth_column is not None and len(fields) > depth_column else None
            nodes[fields[0]] = {"name": fields[0], "node_type": kind, "invert_elev": invert, "max_depth": depth,
                                "ground_elev": invert + depth if depth else None,
                                "xy": coordinates.get(fields[0]), "line": line}
    for node in nodes.values():
        if node["xy"] is None:
            result.warnings.append(f"node {node['name']} (line {node['line']}) has no [COORDINATES]; left out")
    result.nodes = [n for n in nodes.values() if n["xy"] is not None]
    xsections = {fields[0]: (line, fields) for line, fields in model.rows("XSECTIONS")}
    vertices: dict[str, list] = {}
    for line, fields in model.rows("VERTICES"):
        need(model, line, fields, 3, "VERTICES")
        vertices.setdefault(fields[0], []).append((coordinate(model, line, fields[1], "X"),
                                                   coordinate(model, line, fields[2], "Y")))
    for section, kind in (("CONDUITS", "conduit"), ("PUMPS", "pump"), ("ORIFICES", "orifice"),
                          ("WEIRS", "weir"), ("OUTLETS", "outlet")):
        for line, fields in model.rows(section):
            need(model, line, fields, 3, section)
            name, start, end = fields[:3]
            unique(model, link_lines, name, line, "link")
            link = {"name": name, "link_type": kind, "from_node": start, "to_node": end, "line": line,
                    "length": None, "roughness": None, "shape": None, "diameter": None,
                    "up_invert": None, "down_invert": None}
            if kind == "conduit":
                need(model, line, fields, 7, section)
                link["length"] = number(model, line, fields[3], "length", positive=True) * scale
                link["roughness"] = number(model, line, fields[4], "roughness")
                in_offset = number(model, line, fields[5], "inlet offset") * scale
                out_offset = number(model, line, fields[6], "outlet offset") * scale
                link["up_invert"] = _invert(nodes.get(start), in_offset, offsets_as_elevation)
                link["down_invert"] = _invert(nodes.get(end), out_offset, offsets_as_elevation)
            section_line, section_row = xsections.get(name, (line, []))
            if len(section_row) > 2:
                link["shape"] = section_row[1]
                if section_row[1].upper() not in ("IRREGULAR", "STREET"):  # those name a transect, not a size
                    link["diameter"] = round(number(model, section_line, section_row[2], "[XSECTIONS] Geom1")
                                             * scale * 1000.0, 1)
            missing = [n for n in (start, end) if n not in nodes or nodes[n]["xy"] is None]
            if missing:
                raise ModelFileError(f"{path}, line {line}: link {name} joins node(s) {', '.join(missing)} "
                                     "that have no definition or no coordinates.")
            link["coords"] = [nodes[start]["xy"], *vertices.get(name, []), nodes[end]["xy"]]
            result.links.append(link)
    if not result.links:
        raise ModelFileError(f"{path}: the model has no links ([CONDUITS] etc. are empty or missing).")
    return result


def _coordinates(model: InpFile) -> dict[str, tuple[float, float]]:
    coordinates = {}
    for line, fields in model.rows("COORDINATES"):
        need(model, line, fields, 3, "COORDINATES")
        coordinates[fields[0]] = (coordinate(model, line, fields[1], "X"), coordinate(model, line, fields[2], "Y"))
    return coordinates


def _invert(node, offset: float, as_elevation: bool):
    if as_elevation:
        return offset
    if node is None:
        return None
    return node["invert_elev"] + offset
