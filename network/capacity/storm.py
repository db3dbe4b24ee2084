"""Storm capacity of every storm pipe by the rational method: design flow, full capacity, load, return period."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..checks.accumulate import upstream_totals
from ..model.columns import lookup_factorized, ranges
from ..model.findings import Check, Finding, make_finding
from ..model.tables import GraphTable
from .catchments import Catchments, thiessen
from .manning import full_pipe, roughness
from .rational import StormFormula, capacity_classes, capacity_period, design_flow

STORM_SYSTEMS = ("storm", "combined", "drainage", None)
RATIONAL_LIMIT_HA = 200.0  # GB 50014: the rational method for catchments up to 2 km²


@dataclass
class StormCapacity:
    """Per pipe of the table (NaN / None for pipes that are not storm or lack what is needed)."""

    keys: list
    storm: np.ndarray            # bool: a storm or combined pipe
    area_ha: np.ndarray          # F: sub-catchment area upstream (ha), its own upstream node's included
    psi: np.ndarray              # ψ: area-weighted runoff coefficient upstream
    minutes: np.ndarray          # t = t1 + Σ L/v along the longest upstream path (min)
    n: np.ndarray                # Manning roughness
    slope: np.ndarray            # from the inverts (m/m)
    velocity: np.ndarray         # full-pipe velocity (m/s)
    q_design: np.ndarray         # Q = ψ·q·F (L/s) at the design return period
    q_full: np.ndarray           # full-pipe capacity (L/s)
    load: np.ndarray             # Q / Q_full
    period: np.ndarray           # return period the pipe carries (years)
    classes: list = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def storm_capacity(table: GraphTable, formula: StormFormula, node_area_ha: np.ndarray, node_psi_area_ha: np.ndarray,
                   design_period: float = 3.0, inlet_minutes: float = 10.0,
                   manning_overrides: Optional[dict] = None) -> StormCapacity:
    """The rational method over the storm pipes of ``table``.

    ``node_area_ha`` and ``node_psi_area_ha`` give, per node position, the area and ψ·area of the
    sub-catchments that drain to it. Pipes lacking inverts, a diameter or a downhill slope are
    reported as findings and have no capacity (never guessed); an upstream pipe without a velocity
    adds no travel time (the time is then short and the design flow errs high).
    """
    count = len(table.keys)
    storm = lookup_factorized(table.edge_codes("system"), dict.fromkeys(STORM_SYSTEMS, 1), 0) == 1
    rows = np.flatnonzero(storm)
    sub = table.subset(rows)
    diameter = table.edge_numbers("diameter")[rows] / 1000.0
    up, down = table.edge_numbers("up_invert")[rows], table.edge_numbers("down_invert")[rows]
    length = table.edge_numbers("length")[rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (up - down) / length
    codes, distinct = table.edge_codes("material")
    n = np.append(roughness(distinct, manning_overrides), roughness([None], manning_overrides))[codes[rows]]
    q_full, velocity = full_pipe(diameter, slope, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        travel = np.where(velocity > 0, length / velocity / 60.0, 0.0)
    minutes = inlet_minutes + arrival(sub, np.nan_to_num(travel))[sub.source]
    totals, _ = upstream_totals(sub, np.zeros((len(rows), 2)), np.stack([node_area_ha, node_psi_area_ha], axis=1))
    area, psi_area = totals[:, 0], totals[:, 1]
    q_design = design_flow(formula, design_period, minutes, psi_area)
    q_full_l_s = q_full * 1000.0
    with np.errstate(invalid="ignore", divide="ignore"):
        load = q_design / q_full_l_s
        psi = np.where(area > 0, psi_area / area, np.nan)
    period = capacity_period(formula, q_full_l_s, minutes, psi_area)
    period = np.where(np.isnan(q_full_l_s), np.nan, period)
    result = StormCapacity(table.keys, storm, *(_spread(values, rows, count) for values in (
        area, psi, minutes, n, slope, velocity, q_design, q_full_l_s, load, period)))
    result.classes = capacity_classes(result.period)
    result.findings = _findings(sub, rows, diameter, up, down, slope, area, period, design_period)
    return result


def storm_node_positions(table: GraphTable) -> np.ndarray:
    """Positions of the nodes at either end of a storm or combined pipe (those sub-catchments drain to)."""
    storm = lookup_factorized(table.edge_codes("system"), dict.fromkeys(STORM_SYSTEMS, 1), 0) == 1
    return np.unique(np.concatenate([table.source[storm], table.target[storm]]))


def storm_catchments(table: GraphTable, area: Any = None, radius: float = 50.0) -> Catchments:
    """Thiessen polygons of the located storm nodes of ``table``, clipped to ``area`` (a shapely polygon in the
    table's coordinates) or to ``radius`` m around each node; ψ left 0 for the caller to set."""
    nodes = storm_node_positions(table)
    xy = table.node_coordinates()[nodes]
    located = np.isfinite(xy).all(axis=1)
    return thiessen([table.names[i] for i in nodes[located].tolist()], xy[located], area, radius)


def _spread(values: np.ndarray, rows: np.ndarray, count: int) -> np.ndarray:
    full = np.full(count, np.nan)
    full[rows] = values
    return full


def _findings(sub: GraphTable, rows, diameter, up, down, slope, area, period, design_period) -> list[Finding]:
    found: list[Finding] = []

    def report(check: Check, where: np.ndarray, values=None) -> None:
        for row in np.flatnonzero(where).tolist():
            value = "" if values is None else values[row]
            found.append(make_finding(check, sub.keys[row], sub.edge_get(row, "fid"), value=value,
                                      xy=sub.node_xy(sub.source[row])))

    no_invert = np.isnan(up) | np.isnan(down)
    no_diameter = ~(diameter > 0)
    report(Check.CAPACITY_NO_INVERT, no_invert)
    report(Check.CAPACITY_NO_DIAMETER, no_diameter & ~no_invert)
    with np.errstate(invalid="ignore"):
        report(Check.CAPACITY_NO_SLOPE, ~no_invert & ~no_diameter & ~(slope > 0), np.round(slope * 1000.0, 2))
        report(Check.RATIONAL_AREA_LIMIT, area > RATIONAL_LIMIT_HA, np.round(area / 100.0, 2))
        report(Check.UNDER_CAPACITY, period < design_period, np.round(period, 2))
    return found


def arrival(table: GraphTable, minutes: np.ndarray) -> np.ndarray:
    """Per node, the longest sum of ``minutes`` along any path of pipes arriving at it (0 at heads).

    Loops are condensed (their pipes add nothing); the sums travel down one level at a time.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph([("A", "C", "P1"), ("B", "C", "P2"), ("C", "D", "P3")])
    >>> table = GraphTable.of_graph(g)
    >>> minutes = {"P1": 2.0, "P2": 5.0, "P3": 1.0}
    >>> dict(zip(table.names, arrival(table, np.array([minutes[k] for k in table.keys])).tolist()))
    {'A': 0.0, 'C': 5.0, 'B': 0.0, 'D': 6.0}
    """
    count = table.node_count
    if count == 0:
        return np.zeros(0)
    matrix = coo_matrix((np.ones(len(table.source)), (table.source, table.target)), shape=(count, count))
    groups, label = connected_components(matrix, directed=True, connection="strong")
    up, down = label[table.source], label[table.target]
    keep = up != down
    order = np.argsort(up[keep], kind="stable")
    up, down, weight = up[keep][order], down[keep][order], np.asarray(minutes, dtype=float)[keep][order]
    starts = np.searchsorted(up, np.arange(groups + 1))
    waiting = np.bincount(down, minlength=groups)
    time = np.zeros(groups)
    frontier = np.flatnonzero(waiting == 0)
    while len(frontier):
        edges = ranges(starts[frontier], starts[frontier + 1] - starts[frontier])
        if not len(edges):
            break
        targets = down[edges]
        np.maximum.at(time, targets, time[up[edges]] + weight[edges])
        reached, counts = np.unique(targets, return_counts=True)
        waiting[reached] -= counts
        frontier = reached[waiting[reached] == 0]
    return time[label]
