"""One partition's audit: the core's build and run_audit unchanged, then only what the partition owns.

Names the partition made up itself (virtual junctions V1, V2 ...; component numbers) are local: each
virtual junction is returned with the key of its first pipe end in input order (global row, piece,
which end), from which the driver gives the names in global order (partition/merge.py).
"""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass, field, replace
from typing import Optional

import numpy as np

from ..audit import AuditOptions, run_audit
from ..build.builder import build_network
from ..checks.hydraulics import LAYER_PIPES, gravity_rows, has_inverts, missing_invert_findings
from ..hotspots.lixels import make_lixels
from ..hotspots.statistics import gi_star_sums
from ..model.columns import LineColumns, PointColumns, ranges
from ..model.findings import Check, Finding
from ..model.records import BuildOptions
from ..scoring.condition import Defect

PIECE_FACTOR = 1 << 20  # end keys: (global row * PIECE_FACTOR + piece) * 2 + end
FEATURE_KINDS = ("pipe", "node")  # findings whose fid is a pipe's or a node's global position


@dataclass
class GravityPipes:
    """A partition's own gravity pipes, for the rule that a layer with no invert anywhere gets one finding
    (checks/hydraulics.py), which only the whole layer can apply."""

    count: int = 0
    has_inverts: bool = False
    first_fid: int = -1            # the first of them in the network's order (-1: none)
    first_xy: tuple = ()           # its upstream node (working CRS)
    # where the partition saw no invert: its pipes' own findings, reported if the layer has inverts elsewhere
    per_pipe: list = field(default_factory=list)


@dataclass
class PartitionResult:
    """What a partition gives back: its own pipes (table rows), nodes and findings, with local names."""

    number: int
    pipes: dict           # column -> list/array, one entry per owned pipe (graph edge)
    nodes: dict           # column -> list/array, one entry per owned node (virtual ones included)
    findings: list[Finding]
    virtual_keys: dict    # local virtual name -> key of its first end (owned and halo virtual nodes)
    owned_pipe_features: int = 0
    halo_pipe_features: int = 0
    halo_node_features: int = 0
    seconds: float = 0.0
    peak_mb: float = 0.0
    summary: dict = field(default_factory=dict)
    hotspots: dict = field(default_factory=dict)  # kind -> the owned pieces' Gi* sums (hotspot_pieces)
    gravity: GravityPipes = field(default_factory=GravityPipes)


def audit_partition(number: int, pipes: LineColumns, nodes: Optional[PointColumns], owned_pipes: np.ndarray,
                    owned_nodes: Optional[np.ndarray], build_options: BuildOptions, audit_options: AuditOptions,
                    defects: Optional[list[Defect]] = None, events: Optional[list] = None,
                    hotspot_kinds: tuple = ()) -> PartitionResult:
    """Build and audit the partition's pipes and nodes (own and halo); keep what it owns.

    ``pipes.fids`` / ``nodes.fids`` are the features' global positions (the single-machine audit's fids).
    ``hotspot_kinds``: the hotspots the whole audit has ('breakage', 'overflow'), whose Gi* sums on the
    owned pieces go back to the driver (it scores them with the network's moments).
    """
    started = time.perf_counter()
    network = build_network(pipes, nodes, build_options)
    result = run_audit(network, defects=defects or None, events=events or None,
                       options=replace(audit_options, keep_hotspot_sums=True))
    table = network.table()
    fids = np.asarray(table.edge_numbers("fid"), dtype=np.int64)
    own_pipe_fids = set(pipes.fids[owned_pipes].tolist())
    owned_rows = np.flatnonzero(np.isin(fids, list(own_pipe_fids)))
    virtual = np.asarray(table.node_numbers("virtual")) > 0
    node_fids = table.node_values("fid").tolist()
    own_node_fids = set(nodes.fids[owned_nodes].tolist()) if nodes is not None else set()
    # a virtual node belongs to the partition of its pipes (a junction's pipes are all of one group)
    node_owned = np.zeros(table.node_count, dtype=bool)
    node_owned[[i for i, f in enumerate(node_fids) if f is not None and f in own_node_fids]] = True
    node_owned[np.concatenate([table.source[owned_rows], table.target[owned_rows]])] |= \
        virtual[np.concatenate([table.source[owned_rows], table.target[owned_rows]])]
    keys = _virtual_keys(table, fids, virtual)
    names = table.names
    owned_keys = {table.keys[row] for row in owned_rows.tolist()}
    owned_names = {names[node] for node in np.flatnonzero(node_owned).tolist()}
    local_names = set(table.keys) | set(names)
    owned_fids = {"pipe": own_pipe_fids, "node": own_node_fids}
    findings = [f for f in result.findings if _owned(f, owned_fids, owned_keys, owned_names, local_names)]
    reached = result.reached_nodes if result.reached_nodes is not None else np.zeros(table.node_count, bool)
    pipes_out = _pipe_columns(network, result, table, owned_rows, reached)
    component = np.asarray(table.node_values("component"))
    arriving, leaving = table.degrees()
    rows = np.flatnonzero(node_owned)
    nodes_out = {"name": [names[i] for i in rows.tolist()], "fid": [node_fids[i] for i in rows.tolist()],
                 "virtual": virtual[rows], "type": np.asarray(table.node_values("type"))[rows].tolist(),
                 "x": np.asarray(table.node_numbers("x"))[rows], "y": np.asarray(table.node_numbers("y"))[rows],
                 "component": component[rows], "in": np.asarray(arriving)[rows], "out": np.asarray(leaving)[rows],
                 "reached": np.asarray(reached)[rows]}
    sums = hotspot_pieces(network, result, pipes_out["key"], hotspot_kinds, audit_options)
    gravity = _gravity_pipes(table, owned_rows, fids, result.findings)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return PartitionResult(number, pipes_out, nodes_out, findings, keys,
                           owned_pipe_features=int(np.count_nonzero(owned_pipes)),
                           halo_pipe_features=int(pipes.count - np.count_nonzero(owned_pipes)),
                           halo_node_features=int(0 if nodes is None else nodes.count - np.count_nonzero(owned_nodes)),
                           seconds=round(time.perf_counter() - started, 3), peak_mb=round(peak, 1), hotspots=sums,
                           gravity=gravity)


def _gravity_pipes(table, owned_rows: np.ndarray, fids: np.ndarray, findings: list) -> GravityPipes:
    """The partition's GravityPipes: its own gravity pipes, and their missing-invert findings where the
    audit (own and halo pipes) found no invert at all and so gave the one layer finding instead."""
    rows = np.intersect1d(gravity_rows(table), owned_rows)
    if not len(rows):
        return GravityPipes()
    none_seen = any(f.check == Check.MISSING_INVERT and f.feature_id == LAYER_PIPES for f in findings)
    return GravityPipes(len(rows), has_inverts(table, rows), int(fids[rows[0]]), table.node_xy(table.source[rows[0]]),
                        missing_invert_findings(table, rows) if none_seen else [])


def hotspot_pieces(network, result, keys: list, kinds: tuple, options: AuditOptions) -> dict:
    """Per hotspot kind, the Gi* sums of the pieces of the pipes ``keys`` (in that order): ``size`` (pieces per
    pipe, 0 for a pipe not cut), ``x``, ``local``, ``weight`` (GiSums). A partition without events of a kind
    the audit has still gives its pieces (x = 0): they count in the network's mean and spread."""
    found, cut = {}, None
    for kind in kinds:
        table = getattr(result, kind)
        if getattr(table, "sums", None) is not None:
            lixels, sums = table.lixels, table.sums
        else:
            if cut is None:
                cut = make_lixels(None, network.pipe_coords, options.lixel_length, network.table())
            lixels, sums = cut, gi_star_sums(cut, {}, options.neighbour_distance)
        names, first, size = lixels.pipe_arrays()
        row = dict(zip(names, range(len(names))))
        at = np.array([row.get(key, -1) for key in keys], dtype=np.int64)
        sizes = np.where(at >= 0, size[np.maximum(at, 0)], 0)
        pieces = ranges(first[np.maximum(at, 0)], sizes)
        found[kind] = {"size": sizes, "x": sums.x[pieces], "local": sums.local[pieces], "weight": sums.weight[pieces]}
    return found


def names_a_feature(finding: Finding, names: set) -> bool:
    """Whether ``finding`` is on a feature of the network rather than on a whole layer: it gives a pipe's
    or node's fid (a cut pipe's findings name the line's id, which none of its pieces' keys is), or it
    names one of ``names`` (a virtual junction has no fid)."""
    return (finding.fid is not None and finding.kind in FEATURE_KINDS) or finding.feature_id in names


def _owned(finding: Finding, owned_fids: dict, owned_keys: set, owned_names: set, local_names: set) -> bool:
    """Whether a finding is the partition's to report: on one of its own pipes or nodes (by the layer fid
    where it gives one, else by name), or on the layer (a finding naming no feature of the network: kept
    here, merged once by the driver)."""
    if finding.fid is not None and finding.kind in owned_fids:
        return finding.fid in owned_fids[finding.kind]
    first, second = (owned_names, owned_keys) if finding.kind == "node" else (owned_keys, owned_names)
    if finding.feature_id in first:
        return True
    if finding.feature_id in local_names:
        return finding.feature_id in second
    return True


def _virtual_keys(table, fids: np.ndarray, virtual: np.ndarray) -> dict:
    """Local virtual name -> the key of its first pipe end in input order (global row, piece, end)."""
    reversed_ = np.asarray(table.edge_values("reversed"), dtype=bool)
    piece = np.asarray(table.edge_numbers("part"), dtype=np.int64)
    start = np.where(reversed_, table.target, table.source)  # the node at the line's digitised start
    end = np.where(reversed_, table.source, table.target)
    base = (fids * PIECE_FACTOR + piece) * 2
    node = np.concatenate([start, end])
    key = np.concatenate([base, base + 1])
    first = np.full(table.node_count, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, node, key)
    return {table.names[i]: int(first[i]) for i in np.flatnonzero(virtual).tolist()
            if first[i] != np.iinfo(np.int64).max}


def _pipe_columns(network, result, table, rows: np.ndarray, reached: np.ndarray) -> dict:
    """The owned pipes' audit columns (local node names and component numbers) and geometry."""
    keys = [table.keys[row] for row in rows.tolist()]
    names = table.names
    upstream = result.upstream_length
    condition = result.condition
    grades = [condition[k].structural_grade if k in condition else None for k in keys]
    defects = [condition[k].defects if k in condition else 0 for k in keys]
    xy, offsets = network.pipe_coords.arrays(rows)
    breakage = result.breakage or {}
    overflow = result.overflow or {}
    return {
        "key": keys, "fid": np.asarray(table.edge_numbers("fid"), dtype=np.int64)[rows],
        "part": np.asarray(table.edge_numbers("part"), dtype=np.int64)[rows],
        "from": [names[i] for i in table.source[rows].tolist()], "to": [names[i] for i in table.target[rows].tolist()],
        "reversed": np.asarray(table.edge_values("reversed"), dtype=bool)[rows],
        "dir_src": np.asarray(table.edge_values("direction_source"))[rows].tolist(),
        "length": np.asarray(table.edge_numbers("length"))[rows],
        "component": np.asarray(table.edge_values("component"))[rows],
        "reaches": np.asarray(reached, dtype=bool)[table.source[rows]],
        "upstream": np.array([upstream.get(k, 0.0) for k in keys], dtype=float),
        "system": np.asarray(table.edge_values("system"))[rows].tolist(),
        "diameter": np.asarray(table.edge_numbers("diameter"))[rows],
        "material": np.asarray(table.edge_values("material"))[rows].tolist(),
        "install_year": np.asarray(table.edge_numbers("install_year"))[rows],
        "grade": grades, "defects": defects,
        "breakage_density": [breakage[k].density if k in breakage else None for k in keys],
        "breakage_events": [breakage[k].events if k in breakage else None for k in keys],
        "overflow_density": [overflow[k].density if k in overflow else None for k in keys],
        "overflow_events": [overflow[k].events if k in overflow else None for k in keys],
        "xy": xy, "offsets": offsets,
    }
