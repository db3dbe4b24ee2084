"""Planar topology as surveys draw it: split lines where a manhole or another pipe's end lies on them.

Survey data often draws a sewer line straight through its manholes (the manhole point lies on the
line's interior, not at a vertex where the line ends) and draws laterals that end on the interior
of a main (a T junction without a vertex on the main). Left as drawn, neither joins the network.
``split_lines`` cuts each such line at those places, all lines at once (a KD-tree of samples along
the lines, numpy for the rest):

* a node within the snapping tolerance of a line's interior cuts the line at the node's nearest
  point on it (at an interior vertex instead, when that vertex is itself within the tolerance of
  the node); the pieces' ends then snap to the node as any pipe end does (``node_on_pipe``);
* a pipe end that matches no node and lies within the tolerance of another line's interior cuts
  that line at the end's nearest point on it; the pieces' ends and the pipe end then meet at a
  virtual junction (``end_on_pipe``; on sewers this is CJJ 181's 支管暗接, a branch joining a pipe
  where there is no manhole).

A place within the tolerance of a line's own ends (or less than the tolerance along the line from
them) is no cut: that is the ordinary snapping of ends. Cuts on one line less than the tolerance
apart along it are one cut (a node's, when there is one). The ends of a line lying along another
(an overlap or a duplicate, reported as such) cut nothing. Each cut is reported once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy.spatial import cKDTree

from ..model.columns import along, midpoints, occurrence, running_sums, unique_pairs
from ..model.findings import Check, Finding, make_finding
from ..model.geometry import SegmentIndex, query_workers
from .topology import inside_many

SEWERS = ("sanitary", "combined")


@dataclass
class Cuts:
    """Where lines are cut, one row per cut, ordered by line then along it."""

    line: np.ndarray  # the line (segment number before the split)
    vertex: np.ndarray  # global vertex at or before the cut
    t: np.ndarray  # fraction of the way from that vertex to the next (0: at the vertex)
    xy: np.ndarray  # the cut point
    measure: np.ndarray  # distance along the line
    node: np.ndarray  # the node that made the cut, or -1
    end: np.ndarray  # the pipe end (2 * line + 0 / 1) that made it, or -1


def without_own_nodes(cuts: Cuts, end_nodes: np.ndarray) -> Cuts:
    """The cuts less those made by a node the line already ends at (by its from/to ids or by
    snapping): a line that passes its own end node part-way along (an end drawn short of or past
    its manhole, a near miss) is not cut there, else the piece up to the node would be a loop."""
    own = (cuts.node >= 0) & ((cuts.node == end_nodes[2 * cuts.line]) | (cuts.node == end_nodes[2 * cuts.line + 1]))
    if not own.any():
        return cuts
    keep = ~own
    return Cuts(*(getattr(cuts, name)[keep] for name in ("line", "vertex", "t", "xy", "measure", "node", "end")))


def find_cuts(xy: np.ndarray, offsets: np.ndarray, length: np.ndarray, index: SegmentIndex,
              node_xy: np.ndarray, tolerance: float, open_ends: Optional[np.ndarray] = None) -> Cuts:
    """The places where lines are to be cut (see the module's text); ``index`` is a SegmentIndex of
    the lines, ``open_ends`` the ends (2 * line + 0 / 1) that met no node, when already known."""
    empty = Cuts(*(np.empty(0, dtype=np.int64) for _ in range(2)), np.empty(0), np.empty((0, 2)), np.empty(0),
                 np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    count = len(offsets) - 1
    if tolerance <= 0 or count == 0 or index.tree is None:
        return empty
    ends = np.stack([xy[offsets[:-1]], xy[offsets[1:] - 1]], axis=1).reshape(-1, 2)
    # pipe ends that meet no node: the ends a lateral joins a main with
    if open_ends is not None:
        pass
    elif len(node_xy):
        gap, _ = cKDTree(node_xy, balanced_tree=False, compact_nodes=False).query(
            ends, distance_upper_bound=tolerance, workers=query_workers(len(ends)))
        open_ends = np.flatnonzero(~np.isfinite(gap))
    else:
        open_ends = np.arange(len(ends))
    points = np.concatenate([node_xy.reshape(-1, 2), ends[open_ends]])
    own_line = np.concatenate([np.full(len(node_xy), -1, dtype=np.int64), open_ends // 2])
    point, line, segment, t = _near_interiors(index, points, own_line, ends, tolerance)
    if not len(point):
        return empty
    target = points[point]
    # a line lying along another (overlapping_pipe, duplicate_pipe) is a drawing error, not a junction
    by_end = np.flatnonzero(point >= len(node_xy))
    if len(by_end):
        own = own_line[point[by_end]]
        along_other = inside_many(xy, offsets, own, line[by_end], tolerance) | \
            inside_many(xy, offsets, line[by_end], own, tolerance)
        keep = np.ones(len(point), dtype=bool)
        keep[by_end[along_other]] = False
        point, line, segment, t, target = point[keep], line[keep], segment[keep], t[keep], target[keep]
    vertex = index.first_vertex[segment]
    # at an interior vertex when that vertex is itself within tolerance of the point
    before, after = np.hypot(*(target - xy[vertex]).T), np.hypot(*(target - xy[vertex + 1]).T)
    first, last = offsets[line], offsets[line + 1] - 1
    use_before = (before <= tolerance) & (vertex > first) & ((before <= after) | (vertex + 1 >= last))
    use_after = ~use_before & (after <= tolerance) & (vertex + 1 < last)
    t = np.where(use_before, 0.0, np.where(use_after, 0.0, t))
    vertex = np.where(use_after, vertex + 1, vertex)
    # a cut a hair from the next vertex is at that vertex (keys stay exact)
    at_next = t > 1.0 - 1e-9
    vertex, t = np.where(at_next, vertex + 1, vertex), np.where(at_next | (t < 1e-9), 0.0, t)
    distance = along(xy, offsets)
    step = np.hypot(*(xy[np.minimum(vertex + 1, len(xy) - 1)] - xy[vertex]).T)
    measure = distance[vertex] + t * step
    cut_xy = xy[vertex] + t[:, None] * (xy[np.minimum(vertex + 1, len(xy) - 1)] - xy[vertex])
    # no slivers at the line's ends
    keep = (measure > tolerance) & (measure < length[line] - tolerance)
    point, line, vertex, t, measure, cut_xy = point[keep], line[keep], vertex[keep], t[keep], measure[keep], \
        cut_xy[keep]
    is_node = point < len(node_xy)
    # cuts less than the tolerance apart along a line are one: the node's if there is one, else the first
    order = np.lexsort((point, measure, line))
    line, vertex, t, measure, cut_xy, point, is_node = (a[order] for a in
                                                        (line, vertex, t, measure, cut_xy, point, is_node))
    new_group = np.ones(len(line), dtype=bool)
    if len(line) > 1:
        new_group[1:] = (line[1:] != line[:-1]) | (np.diff(measure) > tolerance)
    group = np.cumsum(new_group) - 1
    # within each group: nodes first, then along the line
    rank = np.lexsort((np.arange(len(line)), ~is_node, group))
    chosen = rank[np.concatenate([[True], group[rank][1:] != group[rank][:-1]])] if len(rank) else rank
    chosen.sort()
    node = np.where(is_node[chosen], point[chosen], -1)
    end = np.full(len(chosen), -1, dtype=np.int64)
    by_end = ~is_node[chosen]
    end[by_end] = open_ends[point[chosen][by_end] - len(node_xy)]
    return Cuts(line[chosen], vertex[chosen], t[chosen], cut_xy[chosen], measure[chosen], node, end)


def _near_interiors(index: SegmentIndex, points: np.ndarray, own_line: np.ndarray, ends: np.ndarray,
                    tolerance: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(point, line, segment, t) for every line (but the point's own) passing within ``tolerance``
    of a point and not within it of the line's ends (``ends``: each line's first and last vertex):
    its nearest segment and the fraction along it of the point's nearest place."""
    nothing = (np.empty(0, dtype=np.int64),) * 3 + (np.empty(0),)
    if not len(points):
        return nothing
    point_of, samples = index.samples_within(points, tolerance + index.step / 2.0 + 1e-9)
    if not len(point_of):
        return nothing
    segment = index.sample_segment[samples]
    line = index.owners[segment]
    # most points lie at the ends of the lines near them (nodes where pipes meet): those first
    at = points[point_of]
    near_end = (np.hypot(*(at - ends[2 * line]).T) <= tolerance) | (np.hypot(*(at - ends[2 * line + 1]).T) <= tolerance)
    keep = ~near_end & (line != own_line[point_of])
    if not keep.any():
        return nothing
    pairs = unique_pairs(point_of[keep], segment[keep])
    point_of, segment = pairs[:, 0], pairs[:, 1]
    line = index.owners[segment]
    start = index.starts[segment]
    direction = index.ends[segment] - start
    length_sq = (direction ** 2).sum(axis=1)
    t = np.clip(((points[point_of] - start) * direction).sum(axis=1) / np.where(length_sq == 0, 1.0, length_sq),
                0.0, 1.0)
    gap = np.hypot(*(start + t[:, None] * direction - points[point_of]).T)
    keep = gap <= tolerance
    point_of, segment, line, t, gap = point_of[keep], segment[keep], line[keep], t[keep], gap[keep]
    order = np.lexsort((segment, gap, line, point_of))
    point_of, segment, line, t = point_of[order], segment[order], line[order], t[order]
    first = np.ones(len(point_of), dtype=bool)
    if len(point_of) > 1:
        first[1:] = (point_of[1:] != point_of[:-1]) | (line[1:] != line[:-1])
    return point_of[first], line[first], segment[first], t[first]


@dataclass
class Pieces:
    """The lines after cutting: vertex arrays, which line each piece comes from and where it was cut."""

    xy: np.ndarray
    offsets: np.ndarray
    line: np.ndarray  # the line each piece comes from
    number: np.ndarray  # 1..k along its line
    count: np.ndarray  # k, the pieces of its line
    span: np.ndarray  # (pieces, 2): where along its line it starts and ends, as fractions of the line's length
    cut: np.ndarray  # (pieces, 4): the cut point at its start, then at its end (NaN: the line's own end)
    length: np.ndarray
    middles: np.ndarray


def cut_lines(xy: np.ndarray, offsets: np.ndarray, length: np.ndarray, cuts: Cuts) -> Pieces:
    """Cut the lines at ``cuts``: every vertex in order with each cut point inserted twice (the end
    of one piece, the start of the next; once when the cut is at a vertex, which ends the piece
    before it), sorted as one array."""
    count = len(offsets) - 1
    sizes = np.diff(offsets)
    vertex_line = np.repeat(np.arange(count), sizes)
    inside = cuts.t > 0
    # (vertex, fraction, kind): kind 0 an input vertex, 1 the end of a piece at a cut, 2 the start of the next
    vertex_key = np.concatenate([np.arange(len(xy)), cuts.vertex[inside], cuts.vertex])
    fraction = np.concatenate([np.zeros(len(xy)), cuts.t[inside], cuts.t])
    kind = np.concatenate([np.zeros(len(xy), dtype=np.int8), np.ones(inside.sum(), dtype=np.int8),
                           np.full(len(cuts.t), 2, dtype=np.int8)])
    points = np.concatenate([xy, cuts.xy[inside], cuts.xy])
    owner = np.concatenate([vertex_line, cuts.line[inside], cuts.line])
    order = np.lexsort((kind, fraction, vertex_key))
    points, owner, kind = points[order], owner[order], kind[order]
    starts = kind == 2
    starts[0] = True
    starts[1:] |= owner[1:] != owner[:-1]
    first = np.flatnonzero(starts)
    new_offsets = np.concatenate([first, [len(points)]]).astype(np.int64)
    line = owner[first]
    pieces_per_line = np.bincount(line, minlength=count)
    line_first_piece = np.cumsum(pieces_per_line) - pieces_per_line
    number = np.arange(len(line)) - line_first_piece[line] + 1
    distance = along(points, new_offsets)
    piece_length = distance[new_offsets[1:] - 1]
    # where along its line each piece lies (a fraction of the line's drawn length)
    # (each line's pieces summed on their own: a piece's place never depends on the lines before it)
    before = running_sums(piece_length, np.append(line_first_piece, len(line))) - piece_length
    whole = np.where(length[line] > 0, length[line], 1.0)
    span = np.stack([before / whole, (before + piece_length) / whole], axis=1)
    span[number == 1, 0] = 0.0
    span[number == pieces_per_line[line], 1] = 1.0
    cut = np.full((len(line), 4), np.nan)
    cut_start = number > 1
    cut[cut_start, :2] = points[new_offsets[:-1][cut_start]]
    cut_end = number < pieces_per_line[line]
    cut[cut_end, 2:] = points[new_offsets[1:][cut_end] - 1]
    return Pieces(points, new_offsets, line, number, pieces_per_line[line], span, cut, piece_length,
                  midpoints(points, new_offsets, distance))


def cut_findings(cuts: Cuts, line_ids: np.ndarray, line_fids: np.ndarray, systems: list,
                 node_ids: np.ndarray) -> list[Finding]:
    """One finding per cut: ``node_on_pipe`` or ``end_on_pipe`` (a warning on sewers, else information)."""
    findings = []
    for line, node, end, x, y in zip(cuts.line.tolist(), cuts.node.tolist(), cuts.end.tolist(),
                                     cuts.xy[:, 0].tolist(), cuts.xy[:, 1].tolist()):
        if node >= 0:
            findings.append(make_finding(Check.NODE_ON_PIPE, line_ids[line], int(line_fids[line]),
                                         value=node_ids[node], xy=(x, y)))
        else:
            severity = "warning" if systems[line] in SEWERS else "info"
            findings.append(make_finding(Check.END_ON_PIPE, line_ids[line], int(line_fids[line]),
                                         value=line_ids[end // 2], xy=(x, y), severity=severity))
    return findings


def piece_ids(line_ids: np.ndarray, pieces: Pieces) -> np.ndarray:
    """Ids of the pieces: the line's own when it was not cut, ``id#1`` ... ``id#k`` along it when it was
    (any clash with another id is made unique with ``#dup2`` ...)."""
    ids = np.asarray(line_ids, dtype=object)[pieces.line]
    split = np.flatnonzero(pieces.count > 1)
    ids[split] = [f"{base}#{number}" for base, number in zip(ids[split].tolist(), pieces.number[split].tolist())]
    rank, _ = occurrence(ids, ids=True)
    for index in np.flatnonzero(rank > 0).tolist():
        ids[index] = f"{ids[index]}#dup{rank[index] + 1}"
    return ids


def interpolate(up: np.ndarray, down: np.ndarray, span: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A line's values at its start and end (inverts, depths) at the start and end of each piece,
    linearly along the line; a piece at the line's own end keeps that end's value as given."""
    with np.errstate(invalid="ignore"):
        rise = down - up
        at_start = np.where(span[:, 0] == 0.0, up, up + rise * span[:, 0])
        at_end = np.where(span[:, 1] == 1.0, down, up + rise * span[:, 1])
    return at_start, at_end

