"""A built network as an EPA SWMM 5 model (.inp): junctions, outfalls, conduits, sub-catchments and a design
storm, in metres and m³/s (FLOW_UNITS CMS). Read back by swmm.read_swmm."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from ..model.columns import lookup_factorized
from ..model.tables import GraphTable

PSI_IMPERVIOUS, PSI_PERVIOUS = 0.90, 0.15  # GB 50014 roofs and asphalt; parks and green space
STORM_SYSTEMS = ("storm", "combined", "drainage", None)
OUTLET_SUFFIX = "_OF"  # the outfall (and its link) beside an end where several pipes arrive


@dataclass
class SwmmExport:
    """What was written: counts, and what had to be assumed (each a sentence for the log)."""

    junctions: int = 0
    outfalls: int = 0
    conduits: int = 0
    subcatchments: int = 0
    outlet_links: int = 0  # links added from an end where several pipes arrive to its outfall
    assumptions: list[str] = field(default_factory=list)


def percent_impervious(psi) -> np.ndarray:
    """% impervious of a runoff coefficient: ψ = 0.9·imp + 0.15·(1 − imp), clipped to 0-100 %.

    >>> percent_impervious([0.15, 0.525, 0.9, 1.0]).tolist()
    [0.0, 50.0, 100.0, 100.0]
    """
    share = (np.asarray(psi, dtype=float) - PSI_PERVIOUS) / (PSI_IMPERVIOUS - PSI_PERVIOUS)
    return np.round(np.clip(share, 0.0, 1.0) * 100.0, 2)


def write_swmm(path: str, table: GraphTable, roughness: np.ndarray, catchments: Any = None,
               storm: Any = None, title: str = "PipeNet export", slope_percent: float = 0.5) -> SwmmExport:
    """Write the storm pipes of ``table`` (and the nodes they join) as a SWMM model.

    ``roughness`` is Manning n per table row; ``catchments`` a capacity.catchments.Catchments (areas,
    ψ, polygons in the table's coordinates); ``storm`` a design_storm.DesignStorm for the rain gauge.
    Node inverts are the lowest of the node's own and its pipes' inverts (so offsets are never
    negative); max depth reaches the ground level where it is known. Nodes with no storm pipe out are
    outfalls; one where several pipes arrive stays a junction drained by a level link to an outfall
    ``<name>_OF`` (a SWMM outfall takes one link in).
    """
    result = SwmmExport()
    storm_rows = np.flatnonzero(lookup_factorized(table.edge_codes("system"), dict.fromkeys(STORM_SYSTEMS, 1), 0) == 1)
    nodes = np.unique(np.concatenate([table.source[storm_rows], table.target[storm_rows]]))
    invert, depth = _node_levels(table, storm_rows, nodes, result)
    names = {int(position): _name(table.names[position]) for position in nodes.tolist()}
    leaving = np.bincount(table.source[storm_rows], minlength=table.node_count)
    arriving = np.bincount(table.target[storm_rows], minlength=table.node_count)
    # SWMM's outfall takes one link in and none out (its ERROR 141): an end where several pipes arrive
    # stays a junction and drains through a level link to an outfall beside it (_outlet_links)
    outfall = {p for p in nodes.tolist() if leaving[p] == 0}
    shared = sorted(p for p in outfall if arriving[p] > 1)
    outfall -= set(shared)
    lines = [f"[TITLE]\n{title}\n", _options(storm)]
    lines.append("[JUNCTIONS]\n;;Name Elevation MaxDepth InitDepth SurDepth Aponded")
    lines += [f"{names[p]} {invert[p]:.3f} {depth[p]:.3f} 0 0 0" for p in nodes.tolist() if p not in outfall]
    lines.append("\n[OUTFALLS]\n;;Name Elevation Type StageData Gated")
    lines += [f"{names[p]} {invert[p]:.3f} FREE NO" for p in sorted(outfall)]
    lines += [f"{names[p]}{OUTLET_SUFFIX} {invert[p]:.3f} FREE NO" for p in shared]
    result.junctions, result.outfalls = len(nodes) - len(outfall), len(outfall) + len(shared)
    outlets = _outlet_links(table, storm_rows, shared)
    lines += _links(table, storm_rows, names, invert, roughness, result, outlets)
    if catchments is not None:
        lines += _subcatchments(catchments, names, table, slope_percent, result)
    if storm is not None:
        lines += _rain(storm)
    lines.append("\n[COORDINATES]\n;;Node X Y")
    xy = table.node_coordinates()
    lines += [f"{names[p]} {xy[p, 0]:.3f} {xy[p, 1]:.3f}" for p in nodes.tolist()]
    lines += [f"{names[p]}{OUTLET_SUFFIX} {xy[p, 0] + outlets[p][1]:.3f} {xy[p, 1]:.3f}" for p in shared]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return result


def model_name(value: Any) -> str:
    """A node or link id as named in the model (SWMM names have no spaces)."""
    return re.sub(r"\s+", "_", str(value)) or "_"


_name = model_name


def _node_levels(table: GraphTable, rows: np.ndarray, nodes: np.ndarray, result: SwmmExport) -> tuple:
    count = table.node_count
    invert = table.node_numbers("invert_elev").copy()
    ground = table.node_numbers("ground_elev")
    up, down = table.edge_numbers("up_invert")[rows], table.edge_numbers("down_invert")[rows]
    lowest = np.full(count, np.inf)
    np.minimum.at(lowest, table.source[rows], np.where(np.isnan(up), np.inf, up))
    np.minimum.at(lowest, table.target[rows], np.where(np.isnan(down), np.inf, down))
    invert = np.fmin(invert, np.where(np.isinf(lowest), np.nan, lowest))
    unknown = np.isnan(invert[nodes])
    if unknown.any():
        result.assumptions.append(f"{int(unknown.sum())} nodes have no invert: taken 2 m below ground (or 0)")
    invert = np.where(np.isnan(invert), np.nan_to_num(ground, nan=2.0) - 2.0, invert)
    diameters = np.nan_to_num(table.edge_numbers("diameter")[rows]) / 1000.0
    tallest = np.zeros(count)
    np.maximum.at(tallest, table.source[rows], diameters)
    np.maximum.at(tallest, table.target[rows], diameters)
    depth = np.where(np.isnan(ground), np.nan, ground - invert)
    no_ground = np.isnan(depth[nodes]) | (depth[nodes] <= 0)
    if no_ground.any():
        result.assumptions.append(f"{int(no_ground.sum())} nodes have no ground level above the invert: max depth "
                                  "taken as the largest pipe plus 1 m")
    depth = np.where(np.isnan(depth) | (depth <= 0), tallest + 1.0, depth)
    return invert, depth


def _outlet_links(table: GraphTable, rows: np.ndarray, shared: list) -> dict[int, tuple[float, float]]:
    """Per end where several pipes arrive, the (diameter m, length m) of the link from it to its outfall: as wide
    as the widest pipe arriving and as long as the shortest (a shorter link would set the dynamic wave's time
    step: a 1 m link made a county's run five times slower)."""
    if not shared:
        return {}
    widest, shortest = np.zeros(table.node_count), np.full(table.node_count, np.inf)
    np.maximum.at(widest, table.target[rows], np.nan_to_num(table.edge_numbers("diameter")[rows]) / 1000.0)
    np.minimum.at(shortest, table.target[rows], np.nan_to_num(table.edge_numbers("length")[rows], nan=np.inf))
    return {p: (float(widest[p]) if widest[p] > 0 else 0.3, float(shortest[p]) if np.isfinite(shortest[p]) else 10.0)
            for p in shared}


def _links(table: GraphTable, rows: np.ndarray, names: dict, invert: np.ndarray, roughness: np.ndarray,
           result: SwmmExport, outlets: dict) -> list[str]:
    up, down = table.edge_numbers("up_invert"), table.edge_numbers("down_invert")
    diameter = table.edge_numbers("diameter") / 1000.0
    length = table.edge_numbers("length")
    conduits = ["\n[CONDUITS]\n;;Name From To Length Roughness InOffset OutOffset InitFlow MaxFlow"]
    sections = ["\n[XSECTIONS]\n;;Link Shape Geom1 Geom2 Geom3 Geom4 Barrels"]
    no_diameter = 0
    for row in rows.tolist():
        start, end = int(table.source[row]), int(table.target[row])
        inlet = 0.0 if math.isnan(up[row]) else up[row] - invert[start]
        outlet = 0.0 if math.isnan(down[row]) else down[row] - invert[end]
        size = diameter[row]
        if not size > 0:
            no_diameter += 1
            size = 0.3
        name = _name(table.keys[row])
        conduits.append(f"{name} {names[start]} {names[end]} {max(length[row], 0.001):.3f} {roughness[row]:.4f} "
                        f"{inlet:.3f} {outlet:.3f} 0 0")
        sections.append(f"{name} CIRCULAR {size:.3f} 0 0 0 1")
    if no_diameter:
        result.assumptions.append(f"{no_diameter} pipes have no diameter: taken as 300 mm")
    for position, (size, length) in outlets.items():
        name = f"{names[position]}{OUTLET_SUFFIX}"
        conduits.append(f"{name} {names[position]} {name} {length:.3f} 0.0130 0 0 0 0")
        sections.append(f"{name} CIRCULAR {size:.3f} 0 0 0 1")
    if outlets:
        listed = ", ".join(names[p] for p in list(outlets)[:5])
        result.assumptions.append(
            f"{len(outlets)} outlets receive several pipes, which a SWMM outfall cannot: each drains through a "
            f"level link (as wide as the widest pipe in, as long as the shortest) to an outfall "
            f"<name>{OUTLET_SUFFIX} ({listed})")
    result.conduits = len(rows)
    result.outlet_links = len(outlets)
    return conduits + sections


def _subcatchments(catchments, names: dict, table: GraphTable, slope_percent: float, result: SwmmExport) -> list:
    known = {names[p]: p for p in names}
    heads = ["\n[SUBCATCHMENTS]\n;;Name RainGage Outlet Area %Imperv Width %Slope CurbLen"]
    areas = ["\n[SUBAREAS]\n;;Subcatch N-Imperv N-Perv S-Imperv S-Perv PctZero RouteTo"]
    soils = ["\n[INFILTRATION]\n;;Subcatch MaxRate MinRate Decay DryTime MaxInfil"]
    shapes = ["\n[POLYGONS]\n;;Subcatch X Y"]
    imperv = percent_impervious(catchments.psi)
    for number, (node, polygon, area) in enumerate(zip(catchments.nodes, catchments.polygons,
                                                      catchments.area_ha.tolist())):
        outlet = _name(node) if node is not None else None
        if outlet not in known or not area > 0:
            continue
        name = f"S{number + 1}"
        width = math.sqrt(area * 10_000.0)  # a square catchment: its side
        heads.append(f"{name} RG1 {outlet} {area:.4f} {imperv[number]:.2f} {width:.2f} {slope_percent:g} 0")
        areas.append(f"{name} 0.013 0.15 2 5 25 OUTLET")
        soils.append(f"{name} 76.2 3.81 4 7 0")
        if polygon is not None:
            exterior = getattr(polygon, "exterior", None) or max(polygon.geoms, key=lambda g: g.area).exterior
            shapes += [f"{name} {x:.2f} {y:.2f}" for x, y in list(exterior.coords)[:-1]]
        result.subcatchments += 1
    return heads + areas + soils + shapes


def _options(storm: Optional[Any]) -> str:
    minutes = 120.0 if storm is None else float(storm.end[-1])
    end = minutes + 120.0
    step = "00:01:00"
    return ("[OPTIONS]\nFLOW_UNITS CMS\nINFILTRATION HORTON\nFLOW_ROUTING DYNWAVE\nLINK_OFFSETS DEPTH\n"
            "MIN_SLOPE 0\nALLOW_PONDING NO\nSKIP_STEADY_STATE NO\nSTART_DATE 01/01/2024\nSTART_TIME 00:00:00\n"
            "REPORT_START_DATE 01/01/2024\nREPORT_START_TIME 00:00:00\nEND_DATE 01/01/2024\n"
            f"END_TIME {_clock(end, seconds=True)}\nSWEEP_START 01/01\nSWEEP_END 12/31\nDRY_DAYS 0\n"
            f"REPORT_STEP {step}\nWET_STEP {step}\nDRY_STEP 01:00:00\nROUTING_STEP 0:00:05\n"
            "INERTIAL_DAMPING PARTIAL\nNORMAL_FLOW_LIMITED BOTH\nFORCE_MAIN_EQUATION H-W\nVARIABLE_STEP 0.75\n"
            "LENGTHENING_STEP 0\nMIN_SURFAREA 1.14\nMAX_TRIALS 8\nHEAD_TOLERANCE 0.0015\nSYS_FLOW_TOL 5\n"
            "LAT_FLOW_TOL 5\nMINIMUM_STEP 0.5\nTHREADS 1\n")


def _clock(minutes: float, seconds: bool = False) -> str:
    total = int(round(minutes * 60.0))
    hours, rest = divmod(total, 3600)
    text = f"{hours:02d}:{rest // 60:02d}"
    return f"{text}:{rest % 60:02d}" if seconds else text


def _rain(storm) -> list[str]:
    step = float(storm.end[0] - storm.start[0])
    interval = _clock(step) if abs(step - round(step)) < 1e-9 else f"{step / 60.0:.6f}"
    lines = ["\n[RAINGAGES]\n;;Name Format Interval SCF Source",
             f"RG1 INTENSITY {interval} 1.0 TIMESERIES DESIGN_STORM",
             "\n[TIMESERIES]\n;;Name Time Value (mm/h)"]
    lines += [f"DESIGN_STORM {_clock(start)} {value:.4f}" for start, value in
              zip(storm.start.tolist(), storm.mm_per_hour.tolist())]
    lines.append(f"DESIGN_STORM {_clock(float(storm.end[-1]))} 0")
    return lines
