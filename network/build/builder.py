"""Build the directed pipe graph from pipe and node records: ids, snapping, flow direction.

Flow direction: what the data says is authoritative (``direction_source``, ``pn_dir_src``; the values are
model.records.DirectionSource's)

| order | source      | when                                                  | inverts that disagree        |
|-------|-------------|-------------------------------------------------------|------------------------------|
| 1     | ``field``   | a flow-direction field (流向) says forward / reverse    | ``direction_conflict``;      |
|       |             | (relative to the recorded from -> to)                 | ``reverse_slope`` (checks)   |
| 2     | ``ids``     | from/to node ids (a model's links, a survey table)    | as above: the ids win        |
|       |             | name nodes of the node layer: from -> to              |                              |
| 3     | ``invert``  | neither: the inverts (or ground − depth) decide,      | -                            |
|       |             | downhill                                              |                              |
| 3'    | ``network`` | an invert-decided pipe that would run from a node     | ``direction_conflict``,      |
|       |             | draining to a typed outlet into one that does not (a  | ``reverse_slope``: reported, |
|       |             | sag): it runs the network's way, towards the outlet   | never a cut                  |
| 4     | ``digitised``| nothing else: as the line is drawn                   | -                            |

Every link between two distinct nodes is an edge, also one drawn with both ends at one place (a
model's orifice, weir, pump or short conduit): its length is then its recorded length. Where the ids
place a pipe and the layer has a recorded length field (not a GIS ``Shape_Length``), that length
(metres) is the pipe's length.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Callable, Optional, Union

import numpy as np
from scipy.sparse import csr_matrix

from ..checks.connectivity import OUTLET_TYPES
from ..model.columns import (
    LineColumns,
    PartCoords,
    PointColumns,
    along,
    as_lines,
    as_points,
    factorize,
    midpoints,
    object_array,
    occurrence,
    ranges,
    sample_rows,
)
from ..model.findings import Check, Finding, make_finding
from ..model.geometry import implausible_vertices
from ..model.lazy import LazyMapping
from ..model.network import Network
from ..model.records import BuildOptions, DirectionSource, LayerData, PipeNetInputError, Progress, gc_paused
from ..model.tables import reachable
from ..parallel import started
from .attributes import NodeTable, read_node_table, read_pipe_attributes
from .fields import FieldReport, detect_by_content, detect_mapping, is_inactive, load_aliases, normalise_name
from .graph import SkippedPart, assemble_table, pipe_results
from .planar import cut_findings, cut_lines, find_cuts, interpolate, piece_ids, without_own_nodes
from .topology import (
    EdgeArrays,
    cluster_ends,
    component_ids,
    find_topology_defects,
    overlap_pairs,
    snap_to_nodes,
    topology_index,
)

MIN_LENGTH = 1e-6
# pipe fields that give a level or a direction at the from / to ends
LEVEL_ROLES = ("up_invert", "down_invert", "up_depth", "down_depth", "direction")


def build_network(
    pipes: Union[LayerData, LineColumns],
    nodes: Union[LayerData, PointColumns, None] = None,
    options: Optional[BuildOptions] = None,
    progress: Optional[Progress] = None,
) -> Network:
    """Build a Network (networkx MultiDiGraph in flow direction, findings, per-feature results).

    Pipes and nodes come as records (LayerData) or as columns (LineColumns/PointColumns, what the
    bulk readers give); every step works on whole arrays.

    >>> from pipenet.network.model.records import PipeRecord
    >>> pipes = LayerData("pipes", ["id"], [PipeRecord(1, [[(0, 0), (10, 0)]], {"id": "P1"})])
    >>> net = build_network(pipes)
    >>> list(net.graph.edges(keys=True))
    [('V1', 'V2', 'P1')]
    """
    with gc_paused():
        return _build(pipes, nodes, options or BuildOptions(), progress or Progress())


def _build(pipes, nodes, options: BuildOptions, progress: Progress) -> Network:
    for warning in options.validate():
        progress.warning(warning)
    pipes, nodes = as_lines(pipes), as_points(nodes)
    aliases = load_aliases(options.aliases_path)
    pipe_mapping, node_mapping, reports = _detect_fields(pipes, nodes, options, aliases)
    findings: list[Finding] = []  # the nodes' first, then the pipes'
    pipe_findings: list[Finding] = []
    # the node table is read beside the pipes' attributes and segments (it is first needed to
    # place the pipe ends on their nodes)
    node_table_read = started(lambda: read_node_table(nodes, node_mapping, aliases, findings,
                                                       options.node_ids_name_nothing)) \
        if nodes is not None else None
    attributes = read_pipe_attributes(pipes, pipe_mapping, aliases, options.diameter_unit, pipe_findings,
                                      options.pipe_ids_name_nothing, options.diameters_blank)
    if options.release_attributes:
        pipes.attrs = {}
    for report in reports:
        progress.info(f"{report.kind.capitalize()} fields used: {report.text()}")
    progress.set_progress(25)
    progress.check()

    inactive = _inactive(attributes, aliases) if "status" in pipe_mapping else None
    left_out = 0 if inactive is None or options.keep_inactive else int(inactive.sum())
    if left_out:
        progress.info(f"Inactive pipes left out: {left_out} (abandoned, proposed ... by "
                      f"{pipe_mapping['status']}; keep_inactive keeps them)")

    def node_table_now() -> NodeTable:
        return node_table_read.result() if node_table_read is not None else NodeTable.empty()
    segments = _segments(pipes, attributes, pipe_findings, node_table_now, inactive if left_out else None)
    node_table = node_table_now()
    ends = np.stack([segments.xy[segments.offsets[:-1]], segments.xy[segments.offsets[1:] - 1]], axis=1) \
        .reshape(-1, 2)
    from_ids = nodes is None and "from_node" in pipe_mapping and "to_node" in pipe_mapping
    if from_ids:  # no node layer: the pipe table's from/to ids name the nodes, placed at the pipe ends
        node_table = _nodes_from_ids(segments, ends, options.snap_tolerance)
        progress.info(f"Nodes named by the pipes' from/to ids ({pipe_mapping['from_node']}, "
                      f"{pipe_mapping['to_node']}): {len(node_table.ids)}")
    if options.release_attributes and nodes is not None:
        nodes.attrs = {}
    findings += pipe_findings
    # the search index of the lines, and the lines lying along others, need only the lines: found
    # beside the snapping and orienting (their array work and KD-tree mostly run without Python's lock)
    index_ready: Future = Future()  # the index alone, for cutting the lines
    index = started(partial(_index_and_overlaps, segments, options, index_ready))
    end_nodes = np.full(len(ends), -1, dtype=np.int64)  # node positions; virtual nodes follow the real ones
    recorded_flip = np.zeros(segments.count, dtype=bool)  # ids say the pipe runs against its digitising
    has_ids = np.zeros(segments.count, dtype=bool)
    _apply_explicit_ids(segments, node_table, ends, end_nodes, recorded_flip, has_ids, options, findings)
    _snap_remaining(segments, node_table, ends, end_nodes, options, findings)
    if options.split_at_nodes:
        # lines drawn through manholes, laterals ending on a main: cut there (planar.py)
        split = _split(segments, node_table, index_ready.result(), options.snap_tolerance, end_nodes,
                       recorded_flip, has_ids)
        if split is not None:
            segments, cut_found, ends, end_nodes, recorded_flip, has_ids = split
            findings.extend(cut_found)
            index = started(partial(_index_and_overlaps, segments, options))  # the lines' own is of no use now
    progress.set_progress(50)
    progress.check()

    length_field = pipe_mapping.get("length")
    segments.trust_length = length_field is not None and \
        normalise_name(length_field) not in ("shapelength", "shapeleng", "shapelen")
    names, xy = _virtual_nodes(ends, end_nodes, node_table, options.snap_tolerance)
    real = len(node_table.ids)
    virtual = np.arange(len(names)) >= real
    source, target, edge_values = _orient(segments, attributes, node_table, end_nodes, recorded_flip, has_ids,
                                          names, xy, findings)
    progress.set_progress(65)
    progress.check()
    # shared by the checks and the table (nodes named by the pipes' ids have no feature of their own)
    node_fids = (node_table.fids.tolist() if not from_ids else [None] * real) + [None] * (len(names) - real)
    edges = EdgeArrays(names=names, xy=xy, virtual=virtual, node_fids=node_fids,
                       source=source, target=target, keys=segments.ids, fids=segments.fids,
                       line_xy=segments.xy, offsets=segments.offsets, middles=segments.middles)
    findings.extend(find_topology_defects(edges, options.snap_tolerance, options.near_miss_distance,
                                          nodes is not None, progress.check, *index.result()))
    progress.set_progress(85)
    progress.check()
    del edges
    network = _network_of(segments, node_table, names, xy, source, target, edge_values, node_fids, from_ids,
                          findings, pipe_mapping, node_mapping)
    progress.set_progress(100)
    network.field_reports = reports
    network.inactive_left_out = left_out
    return network


def _detect_fields(pipes: LineColumns, nodes: Optional[PointColumns], options: BuildOptions,
                   aliases: dict) -> tuple[dict, dict, list[FieldReport]]:
    """(pipe field mapping, node field mapping, what was found and what is missing per layer).
    The nodes' fields first: a pipe column whose values are the node ids is a from/to id."""
    if not options.detect_fields:
        return (_given_mapping(pipes, options.pipe_fields), _given_mapping(nodes, options.node_fields)
                if nodes is not None else {}, [])
    node_mapping, node_content = _mapping(nodes, "node", options.node_fields, aliases) if nodes is not None \
        else ({}, [])
    pipe_mapping, pipe_content = _mapping(pipes, "pipe", options.pipe_fields, aliases,
                                          lambda: _node_id_column(nodes, node_mapping))
    reports = [FieldReport.of(pipes.name, "pipe", pipe_mapping, pipe_content)]
    if nodes is not None:
        reports.append(FieldReport.of(nodes.name, "node", node_mapping, node_content))
    return pipe_mapping, node_mapping, reports


def _index_and_overlaps(lines: Segments, options: BuildOptions, ready: Optional[Future] = None) -> tuple:
    """(the topology search index of the lines, the pairs of lines lying along each other); ``ready``
    gets the index alone as soon as it is made (cutting the lines needs it)."""
    try:
        made = topology_index(lines.xy, lines.offsets, options.near_miss_distance)
    except BaseException as error:
        if ready is not None:
            ready.set_exception(error)
        raise
    if ready is not None:
        ready.set_result(made)
    return made, overlap_pairs(made, lines.xy, lines.offsets, lines.middles, options.snap_tolerance)


def _network_of(segments, node_table: NodeTable, names, xy, source, target, edge_values, node_fids: list,
                from_ids: bool, findings: list, pipe_mapping: dict, node_mapping: dict) -> Network:
    """The built Network: its graph table, coordinates and the per-feature results, made when read."""
    component = component_ids(names, source, target)
    key_list = segments.ids.tolist()  # one list shared by the table and the coordinates
    table = assemble_table(node_table, names, xy, component, source, target, key_list, edge_values, node_fids)
    coords = PartCoords(key_list, segments.xy, segments.offsets)
    # the lazy mappings keep only what they read: the segments' attribute columns (a county's
    # from/to ids alone are 0.3 GB) and the node table's columns are freed with the build
    decided = replace(segments, xy=np.empty((0, 2)), offsets=np.empty(0, dtype=np.int64),
                      middles=np.empty((0, 2)), values={})
    results = LazyMapping(lambda: pipe_results(decided, names, source, target, edge_values, component))
    node_fids_read, node_ids_read = (node_table.fids, node_table.ids) if not from_ids else ([], [])
    node_ids = LazyMapping(lambda: dict(zip(list(node_fids_read), list(node_ids_read))))
    return Network(graph=None, findings=findings, pipe_results=results, node_ids=node_ids,
                   pipe_mapping=pipe_mapping, node_mapping=node_mapping, pipe_coords=coords, table_cache=table)


def _node_id_column(nodes, node_mapping: dict) -> Optional[np.ndarray]:
    """The node layer's id values (pipe columns holding them are from/to ids), or None."""
    if nodes is None or "id" not in node_mapping:
        return None
    return nodes.attrs[node_mapping["id"]]


def _given_mapping(layer, given: dict) -> dict[str, str]:
    """The roles given a field (BuildOptions.detect_fields False), each field checked to exist."""
    mapping = {role: name for role, name in given.items() if name}
    for role, name in mapping.items():
        if name not in layer.field_names:
            raise PipeNetInputError(
                f"Layer '{layer.name}': field '{name}' chosen for {role} does not exist; the layer has "
                f"{', '.join(layer.field_names)}.", layer=layer.name, field_name=name)
    return mapping


def _mapping(layer, kind: str, overrides: dict, aliases: dict, node_ids=None) -> tuple[dict[str, str], list[str]]:
    """(role -> field, the roles found by their values rather than their names)."""
    sample = sample_rows(layer.attrs, 500)
    try:
        mapping = detect_mapping(layer.field_names, kind, overrides, sample, aliases)
    except KeyError as missing:
        wanted = [key for key, value in overrides.items() if value == missing.args[0]]
        raise PipeNetInputError(
            f"Layer '{layer.name}': field '{missing.args[0]}' chosen for {', '.join(wanted)} does not "
            f"exist; the layer has {', '.join(layer.field_names)}.",
            layer=layer.name, field_name=str(missing.args[0])) from None
    if kind == "pipe" and mapping.get("from_node") == "pn_from" and mapping.get("to_node") == "pn_to":
        # a PipeNet pipes output read back: pn_from -> pn_to is the flow the build decided, while the
        # levels and direction fields refer to the input's own from/to ends: the ids alone say it
        for role in LEVEL_ROLES:
            if not overrides.get(role):
                mapping.pop(role, None)
    wanted_ids = kind == "pipe" and not {"from_node", "to_node"} <= set(mapping)
    found = detect_by_content(layer.field_names, kind, mapping, sample, aliases,
                              node_ids() if wanted_ids and node_ids is not None else None)
    return mapping, found


@dataclass
class Segments:
    """The usable parts (one graph edge each): feature row, ids and geometry as arrays."""

    row: np.ndarray
    fids: np.ndarray
    part: np.ndarray
    ids: np.ndarray
    xy: np.ndarray
    offsets: np.ndarray
    length: np.ndarray
    middles: np.ndarray
    values: dict = field(default_factory=dict)
    row_fids: np.ndarray = None
    skipped: list[SkippedPart] = field(default_factory=list)  # parts left out of the graph
    trust_length: bool = False  # the length field is a recorded length (not a GIS Shape_Length)
    # set when lines were cut at nodes or pipe ends lying on them (_split); None otherwise
    number: Optional[np.ndarray] = None  # pn_part: 1..k along the feature when it was cut, else the part
    span: Optional[np.ndarray] = None  # (n, 2) where along its line a piece starts and ends (fractions)
    cut: Optional[np.ndarray] = None  # (n, 4) the cut points at its start and end (NaN: the line's own end)
    share: Optional[np.ndarray] = None  # its share of its feature's drawn length (1 when not cut)
    split: Optional[np.ndarray] = None  # whether it is a piece of a cut line

    @property
    def count(self) -> int:
        """Number of segments."""
        return len(self.row)


def _inactive(attributes: dict, aliases: dict) -> np.ndarray:
    """Per pipe feature: whether its status says it carries no flow (abandoned, proposed ...)."""
    codes, distinct = factorize(attributes["status"])
    flags = np.array([is_inactive(value, aliases) for value in distinct] + [False], dtype=bool)
    return flags[codes]


def _segments(pipes: LineColumns, attributes: dict, findings: list[Finding],
              node_table_of: Callable[[], NodeTable] = NodeTable.empty,
              inactive: Optional[np.ndarray] = None) -> Segments:
    """One entry per usable part; null, empty and zero-length parts become findings; the parts of
    ``inactive`` features are left out (their results say 'inactive').

    A part of zero drawn length is kept when its from/to node ids name two distinct nodes of the
    node layer (``node_table_of()``): a model's orifice, weir, pump or short conduit between nodes
    drawn at the same place is a link all the same (its length is its attribute length).
    """
    ids = attributes["id"]
    parts_per_feature = np.bincount(pipes.part_feature, minlength=pipes.count)
    # repeated vertices add nothing and would make zero-length segments
    xy, offsets = pipes.xy, pipes.offsets
    repeated = np.zeros(len(xy), dtype=bool)
    if len(xy) > 1:
        repeated[1:] = (xy[1:] == xy[:-1]).all(axis=1)
    repeated[offsets[:-1]] = False
    kept_per_part = np.add.reduceat(~repeated, offsets[:-1]) if len(offsets) > 1 else np.empty(0, int)
    collapsed = np.flatnonzero((kept_per_part == 1) & (np.diff(offsets) > 1))
    linked = _linked_by_ids(attributes, pipes.part_feature[collapsed], node_table_of) if len(collapsed) \
        else np.zeros(0, dtype=bool)
    if linked.any():  # a link drawn with both ends at one place: its two (equal) ends kept
        repeated[offsets[1:][collapsed[linked]] - 1] = False
        kept_per_part = np.add.reduceat(~repeated, offsets[:-1])
    xy = xy[~repeated]
    offsets = np.concatenate([[0], np.cumsum(kept_per_part)]).astype(np.int64)
    distance = along(xy, offsets)
    length = distance[offsets[1:] - 1] if len(offsets) > 1 else np.empty(0)
    multi = parts_per_feature[pipes.part_feature] > 1
    part_ids = object_array(ids)[pipes.part_feature]
    for part in np.flatnonzero(multi).tolist():  # parts of multi-part features: id#1, id#2 ...
        part_ids[part] = f"{part_ids[part]}#{pipes.part_number[part]}"
    by_row: list[tuple[int, int, Finding]] = []
    skipped: list[SkippedPart] = []
    for row in np.flatnonzero(parts_per_feature == 0).tolist():
        by_row.append((row, 0, make_finding(Check.NULL_GEOMETRY, ids[row], int(pipes.fids[row]))))
        skipped.append(SkippedPart(row, ids[row], 0))
    first_part = np.flatnonzero(pipes.part_number == 1)
    for part in first_part[multi[first_part]].tolist():
        row = int(pipes.part_feature[part])
        by_row.append((row, 1, make_finding(Check.MULTIPART, ids[row], int(pipes.fids[row]),
                                            value=int(parts_per_feature[row]), xy=tuple(xy[offsets[part]]))))
    by_row.extend(_implausible_parts(xy, offsets, pipes, ids, part_ids))
    usable = length > MIN_LENGTH
    usable[collapsed[linked]] = True
    for part in np.flatnonzero(~usable).tolist():
        row = int(pipes.part_feature[part])
        by_row.append((row, 2 + part, make_finding(Check.ZERO_LENGTH, part_ids[part], int(pipes.fids[row]),
                                                   xy=tuple(xy[offsets[part]]))))
        skipped.append(SkippedPart(row, part_ids[part], int(pipes.part_number[part])))
    by_row.sort(key=lambda item: (item[0], item[1]))
    findings.extend(finding for _, _, finding in by_row)
    if inactive is not None:
        leaving = usable & inactive[pipes.part_feature]
        for part in np.flatnonzero(leaving).tolist():
            skipped.append(SkippedPart(int(pipes.part_feature[part]), part_ids[part], int(pipes.part_number[part]),
                                       DirectionSource.INACTIVE.value))
        usable = usable & ~leaving

    kept = np.flatnonzero(usable)
    sizes = np.diff(offsets)[kept]
    take = ranges(offsets[:-1][kept], sizes)
    rows = pipes.part_feature[kept]
    segments = Segments(row=rows, fids=pipes.fids[rows], part=pipes.part_number[kept], ids=part_ids[kept],
                        xy=xy[take], offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
                        length=length[kept], middles=np.empty((0, 2)), values=attributes, row_fids=pipes.fids,
                        skipped=skipped)
    # every part kept (as usual): the distances along them are already known
    segments.middles = midpoints(segments.xy, segments.offsets, distance if len(kept) == len(length) else None)
    rank, _ = occurrence(segments.ids, ids=True)
    for index in np.flatnonzero(rank > 0).tolist():
        pipe_id = segments.ids[index]
        findings.append(make_finding(Check.DUPLICATE_ID, pipe_id, int(segments.fids[index]), value=pipe_id,
                                     kind="pipe", xy=tuple(segments.middles[index])))
        segments.ids[index] = f"{pipe_id}#dup{rank[index] + 1}"
    return segments


def _linked_by_ids(attributes: dict, rows: np.ndarray, node_table_of: Callable[[], NodeTable]) -> np.ndarray:
    """Whether each of the features ``rows`` has from/to ids naming two distinct nodes of the node table."""
    from_ids, to_ids = attributes["from_node"][rows], attributes["to_node"][rows]
    given = np.array([a is not None and b is not None and a != b
                      for a, b in zip(from_ids.tolist(), to_ids.tolist())], dtype=bool)
    if not given.any():
        return given
    from_at, to_at = node_table_of().positions(from_ids, to_ids)
    return given & (from_at >= 0) & (to_at >= 0) & (from_at != to_at)


def _split(segments: Segments, node_table: NodeTable, index, tolerance: float, end_nodes: np.ndarray,
           recorded_flip: np.ndarray, has_ids: np.ndarray) -> Optional[tuple]:
    """Cut the lines where a node or another pipe's end lies on their interior (planar.py), once
    their ends are placed: (the pieces as Segments, one finding per cut, the pieces' ends, their
    nodes, recorded flips and id flags), or None when nothing is cut.

    A piece keeps its line's end node at the line's own ends, takes the node that cut it at a
    node's cut, and the nearest node (or, as usual, a virtual junction) at a pipe end's cut; it
    runs as its line was recorded (from/to ids) when the line's ids placed it.
    """
    cuts = without_own_nodes(find_cuts(segments.xy, segments.offsets, segments.length, index, node_table.xy,
                                       tolerance, open_ends=np.flatnonzero(end_nodes < 0)), end_nodes)
    if not len(cuts.line):
        return None
    found = cut_findings(cuts, segments.ids, segments.fids, attributes_of(segments, "system").tolist(),
                         node_table.ids)
    pieces = cut_lines(segments.xy, segments.offsets, segments.length, cuts)
    line = pieces.line
    row = segments.row[line]
    rows = len(segments.row_fids) if segments.row_fids is not None else int(segments.row.max()) + 1
    cut_rows = np.zeros(rows, dtype=bool)
    cut_rows[segments.row[cuts.line]] = True
    feature_length = np.bincount(segments.row, weights=segments.length, minlength=rows)
    in_cut_row = cut_rows[row]
    share = np.where(in_cut_row, pieces.length / np.where(feature_length[row] > 0, feature_length[row], 1.0), 1.0)
    # pn_part: the pieces of a cut feature numbered 1..k in order (parts in order, along each)
    order = np.argsort(row, kind="stable")
    first = np.ones(len(row), dtype=bool)
    first[1:] = row[order][1:] != row[order][:-1]
    rank = np.empty(len(row), dtype=np.int64)
    rank[order] = np.arange(len(row)) - np.maximum.accumulate(np.where(first, np.arange(len(row)), 0))
    number = np.where(in_cut_row, rank + 1, segments.part[line])
    cut = Segments(row=row, fids=segments.fids[line], part=segments.part[line], ids=piece_ids(segments.ids, pieces),
                   xy=pieces.xy, offsets=pieces.offsets, length=pieces.length, middles=pieces.middles,
                   values=segments.values, row_fids=segments.row_fids, skipped=segments.skipped,
                   number=number, span=pieces.span, cut=pieces.cut, share=share, split=pieces.count > 1)
    # the pieces' ends: each cut is the end of the piece before it and the start of the next
    position = np.arange(len(line))
    before = np.maximum(position - line - 1, 0)  # the cut at a piece's start (each cut adds one piece)
    after = np.minimum(position - line, len(cuts.line) - 1)
    start_node = np.where(pieces.number == 1, end_nodes[2 * line], cuts.node[before])
    end_node = np.where(pieces.number == pieces.count, end_nodes[2 * line + 1], cuts.node[after])
    piece_nodes = np.stack([start_node, end_node], axis=1).reshape(-1)
    piece_ends = np.stack([pieces.xy[pieces.offsets[:-1]], pieces.xy[pieces.offsets[1:] - 1]], axis=1).reshape(-1, 2)
    by_end = np.flatnonzero(np.repeat(pieces.count > 1, 2) & (piece_nodes < 0))
    if len(by_end) and len(node_table.ids):  # a pipe end's cut near a node after all: that node
        match, _ = snap_to_nodes(piece_ends[by_end], node_table.xy, tolerance)
        piece_nodes[by_end] = np.where(match >= 0, match, piece_nodes[by_end])
    return cut, found, piece_ends, piece_nodes, recorded_flip[line], has_ids[line]


def _implausible_parts(xy: np.ndarray, offsets: np.ndarray, pipes: LineColumns, ids, part_ids) -> list[tuple]:
    """(row, order, finding) of each part with a vertex implausibly far from the rest of the data.

    The part stays in the network (its length is as drawn); the finding sits on the part's first
    plausible vertex, so the findings layer keeps the data's extent.
    """
    far = implausible_vertices(xy)
    if not far.any():
        return []
    part_of = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    found = []
    for part in np.unique(part_of[far]).tolist():
        vertices = np.arange(offsets[part], offsets[part + 1])
        bad, good = vertices[far[vertices]], vertices[~far[vertices]]
        x, y = xy[bad[0]].tolist()
        row = int(pipes.part_feature[part])
        found.append((row, 1, make_finding(Check.IMPLAUSIBLE_COORDINATE, part_ids[part], int(pipes.fids[row]),
                                           value=f"({x:.12g}, {y:.12g})",
                                           xy=tuple(xy[good[0]]) if len(good) else None)))
    return found


def _nodes_from_ids(segments: Segments, ends: np.ndarray, tolerance: float) -> NodeTable:
    """Nodes named by the pipes' from/to ids when there is no node layer, each placed where the pipe
    ends carrying its id meet (``ends``: two per segment).

    A line may be drawn against its from/to ids: the ends are first grouped by place (within the
    tolerance), and a pipe's from id goes to the end whose place its other pipes share. An id whose
    ends lie in several places takes the place most of them share; _apply_explicit_ids then reports
    the others (id_geometry_mismatch, near_miss), as with a node layer.
    """
    from_ids, to_ids = attributes_of(segments, "from_node"), attributes_of(segments, "to_node")
    codes, distinct = factorize(np.concatenate([object_array(from_ids.tolist()), object_array(to_ids.tolist())]))
    count = segments.count
    from_code, to_code = codes[:count], codes[count:]
    if not distinct:
        return NodeTable.empty()
    place = cluster_ends(ends, tolerance)
    start, end = place[0::2], place[1::2]
    width = len(distinct)

    def shared(places: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """How many pipe ends at each of ``places`` carry (either of their pipe's) id ``ids``."""
        valid = ids >= 0
        keys = np.concatenate([start[from_code >= 0] * width + from_code[from_code >= 0],
                               end[from_code >= 0] * width + from_code[from_code >= 0],
                               start[to_code >= 0] * width + to_code[to_code >= 0],
                               end[to_code >= 0] * width + to_code[to_code >= 0]])
        known, counts = np.unique(keys, return_counts=True)
        wanted = places * width + np.where(valid, ids, 0)
        at = np.clip(np.searchsorted(known, wanted), 0, max(len(known) - 1, 0))
        return np.where(valid & (len(known) > 0) & (known[at] == wanted), counts[at], 0)

    direct = shared(start, from_code) + shared(end, to_code)
    flipped = shared(start, to_code) + shared(end, from_code)
    flip = flipped > direct
    # each id's end positions as recorded (from at the start unless drawn against the ids)
    end_of_from = np.where(flip, 2 * np.arange(count) + 1, 2 * np.arange(count))
    end_of_to = np.where(flip, 2 * np.arange(count), 2 * np.arange(count) + 1)
    id_code = np.concatenate([from_code, to_code])
    end_index = np.concatenate([end_of_from, end_of_to])
    keep = id_code >= 0
    id_code, end_index = id_code[keep], end_index[keep]
    # the place most of an id's ends share (the first such in input order), its ends' centre there
    pair = id_code * (int(place.max()) + 1) + place[end_index]
    pairs, first, votes = np.unique(pair, return_index=True, return_counts=True)
    order = np.lexsort((first, -votes, pairs // (int(place.max()) + 1)))
    best_pair = pairs[order][np.r_[True, np.diff(pairs[order] // (int(place.max()) + 1)) != 0]]
    chosen = np.isin(pair, best_pair)
    xy = np.stack([np.bincount(id_code[chosen], weights=ends[end_index[chosen], axis], minlength=width)
                   for axis in (0, 1)], axis=1) / np.maximum(np.bincount(id_code[chosen], minlength=width), 1)[:, None]
    nothing = object_array([None] * width)
    return NodeTable(object_array(distinct), np.full(width, -1, dtype=np.int64), xy,
                     {"type": nothing, "raw_type": nothing, "system": nothing,
                      **{key: np.full(width, np.nan) for key in ("ground_elev", "invert_elev", "depth")}})


def _apply_explicit_ids(segments, node_table, ends, end_nodes, recorded_flip, has_ids, options, findings):
    """Honour from/to node ids that exist in the node layer; check them against the geometry."""
    from_ids = attributes_of(segments, "from_node")
    to_ids = attributes_of(segments, "to_node")
    given: list[np.ndarray] = []
    from_at, to_at = node_table.positions(from_ids, to_ids, given=given)
    given_from, given_to = given
    by_segment: list[tuple[int, int, Finding]] = []
    for index in np.flatnonzero((given_from & (from_at < 0)) | (given_to & (to_at < 0))).tolist():
        for order, (given, at, value) in enumerate(((given_from, from_at, from_ids), (given_to, to_at, to_ids))):
            if given[index] and at[index] < 0:
                by_segment.append((index, order, make_finding(Check.UNKNOWN_NODE_REF, segments.ids[index],
                                                              int(segments.fids[index]), value=value[index],
                                                              xy=tuple(ends[2 * index]))))
    known = np.flatnonzero((from_at >= 0) & (to_at >= 0))
    start, end = ends[2 * known], ends[2 * known + 1]
    from_xy, to_xy = node_table.xy[from_at[known]], node_table.xy[to_at[known]]
    direct = np.stack([np.hypot(*(start - from_xy).T), np.hypot(*(end - to_xy).T)], axis=1)
    swapped = np.stack([np.hypot(*(start - to_xy).T), np.hypot(*(end - from_xy).T)], axis=1)
    flip = swapped.max(axis=1, initial=0) < direct.max(axis=1, initial=0)
    gaps = np.where(flip[:, None], swapped, direct)
    start_node = np.where(flip, to_at[known], from_at[known])
    end_node = np.where(flip, from_at[known], to_at[known])
    # the same check ids as for geometry-only snapping, so both kinds of data read alike
    for row, column in zip(*np.nonzero(gaps > options.gap_report)):
        index, gap = int(known[row]), float(gaps[row, column])
        node_id = node_table.ids[start_node[row] if column == 0 else end_node[row]]
        if gap > max(options.near_miss_distance, options.snap_tolerance):
            check = Check.ID_GEOMETRY_MISMATCH
        elif gap > options.snap_tolerance:
            check = Check.NEAR_MISS
        else:
            check = Check.SNAPPED_GAP
        by_segment.append((index, 2 + int(column), make_finding(
            check, segments.ids[index], int(segments.fids[index]), value=round(gap, 3),
            xy=tuple(ends[2 * index + column]), target=node_id if check != Check.NEAR_MISS else f"node {node_id}")))
    by_segment.sort(key=lambda item: (item[0], item[1]))
    findings.extend(finding for _, _, finding in by_segment)
    end_nodes[2 * known], end_nodes[2 * known + 1] = start_node, end_node
    recorded_flip[known] = flip
    has_ids[known] = True


def attributes_of(segments: Segments, key: str) -> np.ndarray:
    """A pipe attribute column repeated for each segment (parts share their feature's values)."""
    return segments.values[key][segments.row]


def _snap_remaining(segments, node_table, ends, end_nodes, options, findings):
    """Snap ends not fixed by ids to the nearest node; report ends that match several nodes."""
    open_ends = np.flatnonzero(end_nodes < 0)
    if len(open_ends) == 0 or len(node_table.ids) == 0:
        return
    match, within = snap_to_nodes(ends[open_ends], node_table.xy, options.snap_tolerance)
    snapped = match >= 0
    end_nodes[open_ends[snapped]] = match[snapped]
    gaps = np.full(len(open_ends), 0.0)
    gaps[snapped] = np.hypot(*(ends[open_ends[snapped]] - node_table.xy[match[snapped]]).T)
    for row in np.flatnonzero(snapped & ((gaps > options.gap_report) | (within > 1))).tolist():
        end_index = int(open_ends[row])
        segment = end_index // 2
        if gaps[row] > options.gap_report:
            findings.append(make_finding(Check.SNAPPED_GAP, segments.ids[segment], int(segments.fids[segment]),
                                         value=round(float(gaps[row]), 3), xy=tuple(ends[end_index]),
                                         target=node_table.ids[match[row]]))
        if within[row] > 1:
            findings.append(make_finding(Check.AMBIGUOUS_END, segments.ids[segment], int(segments.fids[segment]),
                                         value=int(within[row]), xy=tuple(ends[end_index])))


def _virtual_nodes(ends, end_nodes, node_table, tolerance) -> tuple[np.ndarray, np.ndarray]:
    """Cluster unmatched ends into virtual junctions V1, V2 ... (input order); all node names and x/y."""
    open_ends = np.flatnonzero(end_nodes < 0)
    real = len(node_table.ids)
    if len(open_ends) == 0:
        return node_table.ids, node_table.xy
    labels = cluster_ends(ends[open_ends], tolerance)
    count = int(labels.max()) + 1
    taken = set(node_table.ids.tolist())
    names = [f"V{number}" for number in range(1, count + 1)]
    for position in [p for p, name in enumerate(names) if name in taken]:
        name = names[position]
        while name in taken:
            name += "_pn"
        names[position] = name
    end_nodes[open_ends] = real + labels
    members = np.bincount(labels, minlength=count)
    centres = np.stack([np.bincount(labels, weights=ends[open_ends, axis], minlength=count) / members
                        for axis in (0, 1)], axis=1)
    return (object_array(node_table.ids.tolist() + names), np.concatenate([node_table.xy, centres]))


def _drain_to_outlets(node_table: NodeTable, count: int, recorded_from: np.ndarray, recorded_to: np.ndarray,
                      with_recorded: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Which of the ``free`` pipes (direction from inverts alone) to turn so that water has a way to
    a typed outlet (outfall, plant, pump station): a pipe running from a node that drains into a
    node that does not (a sag, an adverse invert) runs the network's way instead. Nothing is turned
    where the network has no typed outlet or every node already drains."""
    turned = np.zeros(len(free), dtype=bool)
    types = node_table.columns["type"]
    outlets = np.flatnonzero(np.isin(types, OUTLET_TYPES)) if len(types) else np.empty(0, dtype=np.int64)
    if not len(outlets) or not free.any():
        return turned
    while True:
        source = np.where(with_recorded ^ turned, recorded_from, recorded_to)
        target = np.where(with_recorded ^ turned, recorded_to, recorded_from)
        upstream = csr_matrix((np.ones(len(source)), (target, source)), shape=(count, count))
        drains = reachable(upstream, outlets, count)
        turn = free & ~turned & drains[source] & ~drains[target]
        if not turn.any():
            return turned
        turned |= turn


def _orient(segments, attributes, node_table, end_nodes, recorded_flip, has_ids, names, xy, findings):
    """Decide flow direction (see the module's table): a direction field, then from/to ids, then
    inverts (kept consistent with the network's drainage), then the digitising direction."""
    start, end = end_nodes[0::2], end_nodes[1::2]
    recorded_from = np.where(recorded_flip, end, start)
    recorded_to = np.where(recorded_flip, start, end)
    real = len(node_table.ids)
    ground = np.concatenate([node_table.columns["ground_elev"], np.full(len(names) - real, np.nan)])
    up = attributes_of(segments, "up_invert")
    down = attributes_of(segments, "down_invert")
    up_depth, down_depth = attributes_of(segments, "up_depth"), attributes_of(segments, "down_depth")
    if segments.span is not None:  # pieces of cut lines: the line's levels, linearly along it
        # (up is the level at the recorded start: the digitised end of a line recorded against it)
        span = np.where(recorded_flip[:, None], 1.0 - segments.span[:, ::-1], segments.span)
        up, down = interpolate(up, down, span)
        up_depth, down_depth = interpolate(up_depth, down_depth, span)
    up = np.where(np.isnan(up), ground[recorded_from] - up_depth, up)
    down = np.where(np.isnan(down), ground[recorded_to] - down_depth, down)
    by_segment: list[tuple[int, int, Finding]] = []
    for order, (invert, node) in enumerate(((up, recorded_from), (down, recorded_to))):
        with np.errstate(invalid="ignore"):
            above = invert > ground[node] + 1e-6
        for index in np.flatnonzero(above).tolist():
            by_segment.append((index, order, make_finding(
                Check.INVERT_ABOVE_GROUND, segments.ids[index], int(segments.fids[index]),
                value=round(float(invert[index]), 3), target=names[node[index]], xy=tuple(xy[node[index]]))))
    direction = attributes_of(segments, "direction")
    with np.errstate(invalid="ignore"):
        sloped = ~np.isnan(up) & ~np.isnan(down) & (np.abs(up - down) > 1e-9)
        downhill = up > down
    by_field = np.array([d in ("forward", "reverse") for d in direction.tolist()], dtype=bool)
    by_ids = ~by_field & has_ids
    by_invert = ~by_field & ~by_ids & sloped
    with_recorded = np.where(by_field, direction == "forward", np.where(by_invert, downhill, True))
    # inverts that would leave water with no way to its outlet (a sag) give way to the network's drainage
    by_network = _drain_to_outlets(node_table, len(names), recorded_from, recorded_to, with_recorded, by_invert)
    with_recorded = with_recorded ^ by_network
    against = sloped & (with_recorded != downhill)  # the inverts contradict the flow direction kept
    for index in np.flatnonzero(sloped & (~downhill | against)).tolist():
        rise = round(float(abs(down[index] - up[index])), 3)
        by_segment.append((index, 2, make_finding(Check.DIRECTION_CONFLICT, segments.ids[index],
                                                  int(segments.fids[index]), value=rise,
                                                  xy=tuple(segments.middles[index]))))
    by_segment.sort(key=lambda item: (item[0], item[1]))
    findings.extend(finding for _, _, finding in by_segment)
    # one str object per kind, shared by every pipe (a 'U' array's tolist makes one per pipe: 150 MB a county)
    decided_by = (DirectionSource.FIELD, DirectionSource.IDS, DirectionSource.NETWORK, DirectionSource.INVERT,
                  DirectionSource.DIGITISED)  # the first whose mask holds, as the module's table orders them
    decided = np.select([by_field, by_ids, by_network, by_invert], [0, 1, 2, 3], default=4)
    source_text = object_array([kind.value for kind in decided_by])[decided]
    source = np.where(with_recorded, recorded_from, recorded_to)
    target = np.where(with_recorded, recorded_to, recorded_from)
    length = segments.length
    recorded_length = attributes_of(segments, "length")
    if segments.share is not None:
        recorded_length = recorded_length * segments.share
    with np.errstate(invalid="ignore"):
        # a length recorded with the ids that place the pipe (a model's, a survey table's) is its
        # length; so is any recorded length of a link drawn with both ends at one place
        trusted = (has_ids & segments.trust_length) | (length <= MIN_LENGTH)
        length = np.where(trusted & (recorded_length > 0), recorded_length, length)
    segments.length = length
    values = {
        "system": attributes_of(segments, "system").tolist(),
        "diameter": attributes_of(segments, "diameter"),
        "material": attributes_of(segments, "material").tolist(),
        "install_year": attributes_of(segments, "install_year"),
        "status": attributes_of(segments, "status").tolist(),
        "id": segments.ids.tolist(),
        "fid": segments.fids,
        "part": segments.part if segments.number is None else segments.number,
        "length": segments.length,
        "up_invert": np.where(with_recorded, up, down),
        "down_invert": np.where(with_recorded, down, up),
        "direction_source": source_text.tolist(),
        "reversed": with_recorded == recorded_flip,
        "raw_system": attributes_of(segments, "raw_system").tolist(),
        "against_record": against,
    }
    return source, target, values
