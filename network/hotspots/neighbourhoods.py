"""How many pieces lie within a network distance of every piece, without a search per piece.

Where the pieces around a source form a tree, each piece within reach is met by exactly one walk
that never turns back, so the walks are counted without remembering what they met: no sorting, no
merging (a county's Gi* neighbours took ~14 s of searches on one core). A piece is met twice only
through a cycle no longer than twice the distance; the sources whose walks meet a piece of such a
short cycle are searched exactly (pairs_within).

The pieces and their junctions (the network nodes at pipe ends, and the cuts between the pieces of
one pipe) form a graph in which piece ``v`` joins junctions ``ends[v, 0]`` and ``ends[v, 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from ..model.columns import ranges
from ..parallel import in_threads

WALK_SOURCES = 5  # walks start from this many times the exact search's chunk of sources at once


def piece_ends(first: np.ndarray, count: np.ndarray, start_node: np.ndarray, end_node: np.ndarray,
               node_count: int) -> np.ndarray:
    """The two junctions of every piece: a pipe's start and end node for its first and last
    piece, and ``node_count + v`` for the cut between pieces ``v`` and ``v + 1`` of one pipe.

    >>> piece_ends(np.array([0, 2]), np.array([2, 1]), np.array([5, 6]), np.array([6, 7]), 10).tolist()
    [[5, 10], [10, 6], [6, 7]]
    """
    pieces = int(first[-1] + count[-1]) if len(first) else 0
    kind = np.int32 if node_count + pieces < 2 ** 31 else np.int64
    ends = np.empty((pieces, 2), dtype=kind)
    ends[:, 0] = node_count + np.arange(-1, pieces - 1)
    ends[:, 1] = node_count + np.arange(pieces)
    ends[first, 0] = start_node
    ends[first + count - 1, 1] = end_node
    return ends


@dataclass
class Incidences:
    """The pieces' ends grouped by junction: incidence ``i`` is end ``order[i] % 2`` of piece ``order[i] // 2``."""

    order: np.ndarray  # piece end (2 * piece + side) of every incidence, junction after junction
    first: np.ndarray  # per incidence: the first incidence of its junction
    degree: np.ndarray  # per incidence: how many incidences its junction has
    position: np.ndarray  # per piece end (2 * piece + side): its incidence
    other_end: np.ndarray  # per incidence: the incidence of the same piece's other end
    half: np.ndarray  # per incidence: half its piece's length
    junction_start: np.ndarray  # per junction: its first incidence (and the total, last)

    @classmethod
    def of(cls, ends: np.ndarray, size: np.ndarray) -> Incidences:
        """The incidences of pieces with junctions ``ends`` and lengths ``size``."""
        flat = ends.ravel()
        kind = np.int32 if len(flat) < 2 ** 31 else np.int64
        degree = np.bincount(flat, minlength=int(flat.max()) + 1 if len(flat) else 0)
        junction_start = np.concatenate([[0], np.cumsum(degree)]).astype(kind)
        order = np.argsort(flat, kind="stable").astype(kind)
        junction = flat[order]
        position = np.empty(len(order), dtype=kind)
        position[order] = np.arange(len(order), dtype=kind)
        return cls(order, junction_start[junction], degree[junction].astype(kind), position, position[order ^ 1],
                   (size / 2.0)[order // 2], junction_start)


def _peel(ends: np.ndarray, incidences: Incidences, alive: np.ndarray) -> np.ndarray:
    """The pieces of ``alive`` left when pieces hanging from a junction no other piece of ``alive``
    reaches are taken off, again and again: the pieces on cycles and on paths between cycles."""
    alive = alive.copy()
    junction_degree = np.bincount(ends[alive].ravel(), minlength=len(incidences.junction_start) - 1)
    piece_degree = np.where(alive, 2, 0).astype(np.int8)
    done = junction_degree == 0
    leaves = np.flatnonzero(junction_degree == 1)
    start = incidences.junction_start
    while len(leaves):
        done[leaves] = True
        pieces = incidences.order[ranges(start[leaves], start[leaves + 1] - start[leaves])] // 2
        pieces, hits = np.unique(pieces[alive[pieces]], return_counts=True)
        piece_degree[pieces] -= hits.astype(np.int8)
        pieces = pieces[piece_degree[pieces] <= 1]
        alive[pieces] = False
        others = ends[pieces].ravel()
        others, hits = np.unique(others[~done[others]], return_counts=True)
        junction_degree[others] -= hits
        done[others[junction_degree[others] == 0]] = True
        leaves = others[junction_degree[others] == 1]
    return alive


def short_cycle_pieces(ends: np.ndarray, size: np.ndarray, longest: float,
                       incidences: Optional[Incidences] = None) -> np.ndarray:
    """Per piece, whether it may lie on a cycle of pieces no longer than ``longest`` (m).

    Every piece on such a cycle is marked, and a few more: the pieces on cycles are kept, then the
    chains between their branching junctions longer than ``longest`` (no short cycle passes
    there) are taken off and the rest kept again, until every chain left is short.

    >>> ends = np.array([[0, 1], [1, 2], [2, 0], [2, 3]])  # a triangle and a tail
    >>> short_cycle_pieces(ends, np.array([10.0, 10.0, 10.0, 10.0]), 100.0).tolist()
    [True, True, True, False]
    >>> short_cycle_pieces(ends, np.array([40.0, 40.0, 40.0, 10.0]), 100.0).tolist()
    [False, False, False, False]
    """
    count = len(size)
    core = np.flatnonzero(_peel(ends, incidences or Incidences.of(ends, size), np.ones(count, dtype=bool)))
    marked = np.zeros(count, dtype=bool)
    if not len(core):
        return marked
    # the rest on the pieces on cycles alone, their junctions numbered anew: a few per cent of a county
    _, core_ends = np.unique(ends[core], return_inverse=True)
    core_ends = core_ends.reshape(-1, 2)
    core_size = size[core]
    local = Incidences.of(core_ends, core_size)
    live = np.ones(len(core), dtype=bool)
    while live.any():
        long = live & _in_long_chain(core_ends, core_size, local, live, longest)
        if not long.any():
            break
        live = _peel(core_ends, local, live & ~long)
    marked[core[live]] = True
    return marked


def _in_long_chain(ends: np.ndarray, size: np.ndarray, incidences: Incidences, live: np.ndarray,
                   longest: float) -> np.ndarray:
    """Per piece, whether its chain (pieces joined through junctions of exactly two live pieces)
    is longer than ``longest``."""
    degree = np.bincount(ends[live].ravel(), minlength=len(incidences.junction_start) - 1)
    twos = np.flatnonzero(degree == 2)
    start = incidences.junction_start
    pieces = incidences.order[ranges(start[twos], start[twos + 1] - start[twos])] // 2
    pieces = pieces[live[pieces]]  # two per junction, junction after junction
    count = len(size)
    links = coo_matrix((np.ones(len(pieces) // 2), (pieces[0::2], pieces[1::2])), shape=(count, count))
    _, chain = connected_components(csr_matrix(links), directed=False)
    at = np.flatnonzero(live)
    length = np.bincount(chain[at], weights=size[at], minlength=int(chain.max()) + 1)
    return length[chain] > longest


def walk_counts(incidences: Incidences, sources: np.ndarray, radius: float, blocked: np.ndarray,
                check: Callable[[], None] = lambda: None) -> tuple[np.ndarray, np.ndarray]:
    """(pieces within ``radius`` of each source, itself included, counted along walks that never
    turn back; whether its walks met a ``blocked`` incidence, which makes its count unreliable).

    Distances add up as pairs_within adds them (a step is half of each piece), so the
    counts equal its where no blocked incidence is met.
    """
    sources = np.asarray(sources, dtype=np.int64)
    number = np.arange(len(sources))
    met = [number]
    near = blocked[incidences.position[2 * sources]]
    source = np.concatenate([number, number])[np.concatenate([~near, ~near])]
    at = incidences.position[np.concatenate([2 * sources[~near], 2 * sources[~near] + 1])]
    distance = np.zeros(len(at))
    while len(at):
        check()
        first, degree, half = incidences.first[at], incidences.degree[at], incidences.half[at]
        next_source, next_at, next_distance = [], [], []
        # most junctions join two pieces (the cuts inside a pipe): the one onward is the other incidence
        pair = degree == 2
        state = np.flatnonzero(pair)
        step = 2 * first[state] + 1 - at[state]
        reached = distance[state] + (half[state] + incidences.half[step])
        within = reached <= radius
        next_source.append(source[state[within]])
        next_at.append(step[within])
        next_distance.append(reached[within])
        # then the k-th incidence of the other junctions at once
        live, k = np.flatnonzero(~pair & (degree > 1)), 0
        while len(live):
            step = first[live] + k
            onward = step != at[live]  # not back out the way the walk came
            state, step = live[onward], step[onward]
            reached = distance[state] + (half[state] + incidences.half[step])
            within = reached <= radius
            next_source.append(source[state[within]])
            next_at.append(step[within])
            next_distance.append(reached[within])
            k += 1
            live = live[degree[live] > k]
        source, at, distance = np.concatenate(next_source), np.concatenate(next_at), np.concatenate(next_distance)
        stopped = blocked[at]
        if stopped.any():
            near[source[stopped]] = True
            source, at, distance = source[~stopped], at[~stopped], distance[~stopped]
        met.append(source)
        at = incidences.other_end[at]
    return np.bincount(np.concatenate(met), minlength=len(sources)), near


def counts_within(adjacency: csr_matrix, ends: np.ndarray, size: np.ndarray, radius: float,
                  check: Callable[[], None] = lambda: None, chunk: int = 20000) -> np.ndarray:
    """How many pieces lie within ``radius`` of each piece along the network, itself included:
    what bincount of pairs_within from every piece gives, by walks where the pieces form a tree."""
    count = len(size)
    counts = np.zeros(count)
    if not count:
        return counts
    if len(ends) == count:
        incidences = Incidences.of(ends, size)
        blocked = short_cycle_pieces(ends, size, 2.0 * radius, incidences)[incidences.order // 2]
        walk_chunk = chunk * WALK_SOURCES

        def walk(first: int) -> np.ndarray:
            sources = np.arange(first, min(count, first + walk_chunk))
            counts[sources], near = walk_counts(incidences, sources, radius, blocked, check)
            return sources[near]

        # numpy's gathers run without Python's lock: chunks on every core
        near = np.concatenate(in_threads(walk, range(0, count, walk_chunk)))
        del incidences, blocked
    else:  # pieces made without their junctions: every one searched
        near = np.arange(count)

    def search(first: int) -> None:
        sources = near[first:first + chunk]
        source, _, _ = pairs_within(adjacency, sources, radius, check)
        counts[sources] = np.bincount(source, minlength=len(sources))

    in_threads(search, range(0, len(near), chunk))
    return counts


def pairs_within(adjacency: csr_matrix, sources: np.ndarray, radius: float,
                 check: Callable[[], None] = lambda: None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(source position, node, network distance) of every node within ``radius`` of each source.

    A Dijkstra with a cut-off from all sources at once, as array operations: each round relaxes the
    steps out of every improved (source, node) pair until nothing improves.
    """
    size = adjacency.shape[0]
    degrees = np.diff(adjacency.indptr)  # once: a county's millions, not per round
    sources = np.asarray(sources, dtype=np.int64)
    known_key = np.arange(len(sources), dtype=np.int64) * size + sources
    order = np.argsort(known_key)
    known_key, known_distance = known_key[order], np.zeros(len(sources))
    frontier_key, frontier_distance = known_key.copy(), known_distance.copy()
    while len(frontier_key):
        check()
        node = frontier_key % size
        degree = degrees[node]
        steps = ranges(adjacency.indptr[node], degree)
        key = np.repeat(frontier_key - node, degree) + adjacency.indices[steps]
        distance = np.repeat(frontier_distance, degree) + adjacency.data[steps]
        near = distance <= radius
        key, distance = key[near], distance[near]
        order = np.argsort(key, kind="stable")
        key, distance = key[order], distance[order]
        if len(key):
            starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
            key, distance = key[starts], np.minimum.reduceat(distance, starts)
        position = np.searchsorted(known_key, key)
        found = position < len(known_key)
        found[found] = known_key[position[found]] == key[found]
        better = found.copy()
        better[found] = distance[found] < known_distance[position[found]] - 1e-12
        known_distance[position[better]] = distance[better]
        new = ~found
        if new.any():  # merged in order (both are sorted): no sort of everything known
            at = position[new]
            known_key = np.insert(known_key, at, key[new])
            known_distance = np.insert(known_distance, at, distance[new])
        improved = better | new
        frontier_key, frontier_distance = key[improved], distance[improved]
    return known_key // size, known_key % size, known_distance
