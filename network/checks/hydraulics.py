"""Hydraulic consistency of gravity networks: slopes, bottlenecks, steps, depths, loops, splits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..model.columns import lookup_factorized
from ..model.findings import Check, Finding, make_finding
from ..model.tables import GraphTable, table_of

GRAVITY_SYSTEMS = {"storm", "sanitary", "combined", "drainage", None}


@dataclass
class HydraulicTolerances:
    """Tolerances of the checks (slopes in per mille, levels in metres, diameters in mm)."""

    min_slope_permille: float = 0.5
    invert_step_m: float = 0.01
    diameter_drop_mm: float = 1.0
    max_depth_m: float = 15.0


# the feature id of a finding about a whole layer (a field it lacks everywhere)
LAYER_PIPES = "(pipes layer)"


def hydraulic_checks(graph: nx.MultiDiGraph, tolerances: Optional[HydraulicTolerances] = None,
                     table: Optional[GraphTable] = None) -> list[Finding]:
    """Check every gravity pipe and manhole; pipes without inverts are reported once, not fatal.

    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("A", "B", key="P1", length=100.0, up_invert=10.0, down_invert=10.0)
    >>> [f.check for f in hydraulic_checks(g)]
    ['flat_slope']
    """
    tolerances = tolerances or HydraulicTolerances()
    table = table_of(graph, table)
    table = table.subset(gravity_rows(table))
    findings = _pipe_checks(table, tolerances)
    findings += _node_checks(table, tolerances)
    findings += _cycles(table)
    return findings


def gravity_rows(table: GraphTable) -> np.ndarray:
    """The rows of the gravity pipes (storm, sanitary, combined, drainage, or no system) of ``table``."""
    return np.flatnonzero(lookup_factorized(table.edge_codes("system"), dict.fromkeys(GRAVITY_SYSTEMS, 1), 0) == 1)


def has_inverts(table: GraphTable, rows: np.ndarray) -> bool:
    """Whether any of the pipes ``rows`` has an invert at either end: where none of a layer's gravity
    pipes has one, the layer lacks them, and one finding says so (not one per pipe)."""
    up, down = table.edge_numbers("up_invert")[rows], table.edge_numbers("down_invert")[rows]
    return bool((~np.isnan(up) | ~np.isnan(down)).any())


def no_inverts_finding(gravity_pipes: int, xy: tuple) -> Finding:
    """The one finding of a layer whose ``gravity_pipes`` gravity pipes have no invert, placed at ``xy``
    (the upstream node of the first of them)."""
    return make_finding(Check.MISSING_INVERT, LAYER_PIPES, None, value=f"all {gravity_pipes} gravity pipes", xy=xy)


def missing_invert_findings(table: GraphTable, rows: np.ndarray) -> list[Finding]:
    """One finding per pipe of ``rows`` lacking an invert (which end), in row order."""
    up, down = table.edge_numbers("up_invert"), table.edge_numbers("down_invert")
    found = []
    for row in rows[np.isnan(up[rows]) | np.isnan(down[rows])].tolist():
        missing = "both" if np.isnan(up[row]) and np.isnan(down[row]) else (
            "upstream" if np.isnan(up[row]) else "downstream")
        found.append(make_finding(Check.MISSING_INVERT, table.keys[row], table.edge_get(row, "fid"), value=missing,
                                  xy=table.node_xy(table.source[row])))
    return found


def _pipe_checks(table: GraphTable, tolerances: HydraulicTolerances) -> list[Finding]:
    found: list[tuple[int, Finding]] = []
    up, down = table.edge_numbers("up_invert"), table.edge_numbers("down_invert")
    length = np.nan_to_num(table.edge_numbers("length"))
    ground = table.node_numbers("ground_elev")
    against = np.nan_to_num(table.edge_numbers("against_record")) > 0
    known = ~np.isnan(up) & ~np.isnan(down)

    def report(check: Check, row: int, **values) -> None:
        found.append((row, make_finding(check, table.keys[row], table.edge_get(row, "fid"),
                                        xy=values.pop("xy", table.node_xy(table.source[row])), **values)))

    if len(known) and not has_inverts(table, np.arange(len(known))):
        return [no_inverts_finding(len(known), table.node_xy(table.source[0]))]
    found.extend((row, finding) for row, finding in zip(np.flatnonzero(~known).tolist(),
                                                         missing_invert_findings(table, np.flatnonzero(~known))))
    with np.errstate(invalid="ignore"):
        # up and down in flow direction: the downstream end higher (the build kept the direction the
        # ids, a direction field or the network's drainage gave), or a hand-made graph's flag
        rising = known & (against | (down - up > 1e-9))
    for row in np.flatnonzero(rising).tolist():
        report(Check.REVERSE_SLOPE, row, value=round(float(abs(down[row] - up[row])), 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (up - down) / np.where(length > 0, length, 1.0) * 1000.0
        flat = known & (length > 0) & (slope < tolerances.min_slope_permille)
    for row in np.flatnonzero(flat).tolist():
        report(Check.FLAT_SLOPE, row, value=round(float(slope[row]), 2), target=tolerances.min_slope_permille)
    for invert, ends in ((up, table.source), (down, table.target)):
        with np.errstate(invalid="ignore"):
            deep = known & (ground[ends] - invert > tolerances.max_depth_m)
        for row in np.flatnonzero(deep).tolist():
            node = int(ends[row])
            report(Check.IMPLAUSIBLE_DEPTH, row, value=round(float(ground[node] - invert[row]), 2),
                   target=f"ground − invert at {table.names[node]}", xy=table.node_xy(node))
    found.sort(key=lambda item: item[0])  # pipe by pipe, as the network lists them
    return [finding for _, finding in found]


def _node_checks(table: GraphTable, tolerances: HydraulicTolerances) -> list[Finding]:
    found: list[Finding] = []
    count = table.node_count
    source, target = table.source, table.target
    outgoing = np.bincount(source, minlength=count)
    network_ends = dict.fromkeys(("outfall", "plant", "pump", "storage"), 1)
    ends_network = lookup_factorized(table.node_codes("type"), network_ends, 0) == 1
    used = np.zeros(count, dtype=bool)
    used[source], used[target] = True, True
    for node in np.flatnonzero(used & (outgoing > 1) & ~ends_network).tolist():
        found.append(make_finding(Check.MULTIPLE_OUTLETS, table.names[node], table.node_get(node, "fid"),
                                  value=int(outgoing[node]), xy=table.node_xy(node)))
    diameter = table.edge_numbers("diameter")
    diameter = np.where(diameter == 0, np.nan, diameter)  # 0 means unknown in survey exports
    widest_in = np.full(count, -np.inf)
    np.maximum.at(widest_in, target[~np.isnan(diameter)], diameter[~np.isnan(diameter)])
    down_invert, up_invert = table.edge_numbers("down_invert"), table.edge_numbers("up_invert")
    lowest_in = np.full(count, np.inf)
    np.minimum.at(lowest_in, target[~np.isnan(down_invert)], down_invert[~np.isnan(down_invert)])
    with np.errstate(invalid="ignore"):
        narrower = np.isfinite(widest_in[source]) & (diameter < widest_in[source] - tolerances.diameter_drop_mm)
        higher = np.isfinite(lowest_in[source]) & (up_invert > lowest_in[source] + tolerances.invert_step_m)
    for row in np.flatnonzero(narrower).tolist():
        node = int(source[row])
        found.append(make_finding(Check.DIAMETER_DECREASE, table.keys[row], table.edge_get(row, "fid"),
                                  value=f"{widest_in[node]:.0f}→{diameter[row]:.0f}", target=table.names[node],
                                  xy=table.node_xy(node)))
    for row in np.flatnonzero(higher).tolist():
        node = int(source[row])
        found.append(make_finding(Check.OUTLET_ABOVE_INLET, table.names[node], table.node_get(node, "fid"),
                                  value=round(float(up_invert[row] - lowest_in[node]), 3), xy=table.node_xy(node)))
    return found


def _cycles(table: GraphTable) -> list[Finding]:
    """Pipes inside strongly connected parts of the gravity network (water going round)."""
    count = table.node_count
    if not len(table.source):
        return []
    matrix = coo_matrix((np.ones(len(table.source)), (table.source, table.target)), shape=(count, count))
    _, labels = connected_components(matrix, directed=True, connection="strong")
    inside = labels[table.source] == labels[table.target]
    pipes_in = np.bincount(labels[table.source][inside], minlength=labels.max() + 1)
    return [make_finding(Check.CYCLE, table.keys[row], table.edge_get(row, "fid"),
                         value=int(pipes_in[labels[table.source[row]]]))
            for row in np.flatnonzero(inside).tolist()]
