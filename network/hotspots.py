"""Network-constrained hotspots: kernel density along pipes and Getis-Ord Gi* with network neighbours."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

import networkx as nx
import numpy as np

from .geometry import SegmentIndex, point_segment_distance

CLASSES = ((2.576, "hot 99%"), (1.960, "hot 95%"), (1.645, "hot 90%"))


@dataclass
class Lixels:
    """Pipes cut into pieces of at most ``length`` m, with their adjacency along the network."""

    pipe: list[str] = field(default_factory=list)
    start: list[float] = field(default_factory=list)
    size: list[float] = field(default_factory=list)
    xy: list[tuple[float, float]] = field(default_factory=list)
    neighbours: list[list[tuple[int, float]]] = field(default_factory=list)
    first_of_pipe: dict[str, int] = field(default_factory=dict)

    def piece(self, pipe_id: str, distance: float) -> Optional[int]:
        """The lixel holding a point ``distance`` m along a pipe."""
        first = self.first_of_pipe.get(pipe_id)
        if first is None:
            return None
        index = first
        while index + 1 < len(self.pipe) and self.pipe[index + 1] == pipe_id and self.start[index + 1] <= distance:
            index += 1
        return index


def make_lixels(graph: nx.MultiDiGraph, coords: dict, length: float = 50.0) -> Lixels:
    """Cut every pipe into equal pieces no longer than ``length`` and link the pieces along the network."""
    lixels = Lixels()
    ends: dict[str, list[tuple[int, float]]] = {}
    for u, v, key, data in graph.edges(keys=True, data=True):
        line = np.asarray(coords.get(key, []), dtype=float)
        total = data.get("length", 0.0)
        if len(line) < 2 or total <= 0:
            continue
        count = max(1, int(math.ceil(total / length)))
        piece = total / count
        first = len(lixels.pipe)
        lixels.first_of_pipe[key] = first
        cumulative = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(line, axis=0).T))])
        for number in range(count):
            middle = (number + 0.5) * piece
            lixels.pipe.append(key)
            lixels.start.append(number * piece)
            lixels.size.append(piece)
            lixels.xy.append((float(np.interp(middle, cumulative, line[:, 0])),
                              float(np.interp(middle, cumulative, line[:, 1]))))
            lixels.neighbours.append([])
            if number:
                lixels.neighbours[-1].append((len(lixels.pipe) - 2, piece))
                lixels.neighbours[-2].append((len(lixels.pipe) - 1, piece))
        reversed_line = data.get("reversed", False)
        start_node, end_node = (v, u) if reversed_line else (u, v)
        ends.setdefault(start_node, []).append((first, piece / 2.0))
        ends.setdefault(end_node, []).append((first + count - 1, piece / 2.0))
    for items in ends.values():
        for a, half_a in items:
            for b, half_b in items:
                if a != b:
                    lixels.neighbours[a].append((b, half_a + half_b))
    return lixels


def within(lixels: Lixels, source: int, radius: float) -> dict[int, float]:
    """Network distance from one lixel to every lixel within ``radius`` (Dijkstra with a cut-off)."""
    best = {source: 0.0}
    heap = [(0.0, source)]
    while heap:
        distance, node = heapq.heappop(heap)
        if distance > best.get(node, math.inf):
            continue
        for other, step in lixels.neighbours[node]:
            reach = distance + step
            if reach <= radius and reach < best.get(other, math.inf):
                best[other] = reach
                heapq.heappush(heap, (reach, other))
    return best


def assign_points(lixels: Lixels, coords: dict, points: Iterable[tuple[float, float]],
                  max_distance: float) -> list[Optional[int]]:
    """The lixel of the nearest pipe for each point, or None beyond ``max_distance``."""
    keys = list(lixels.first_of_pipe)
    index = SegmentIndex([np.asarray(coords[k], dtype=float) for k in keys])
    found = []
    for xy in points:
        near = index.near(xy, max_distance)
        if not near:
            found.append(None)
            continue
        key = keys[min(near, key=near.get)]
        line = np.asarray(coords[key], dtype=float)
        gaps = point_segment_distance(np.asarray(xy, dtype=float), line[:-1], line[1:])
        segment = int(np.argmin(gaps))
        start, end = line[segment], line[segment + 1]
        direction = end - start
        ratio = float(np.clip(np.dot(np.asarray(xy) - start, direction) / max(np.dot(direction, direction), 1e-12),
                              0, 1))
        along = float(np.hypot(*np.diff(line[: segment + 1], axis=0).T).sum()) + ratio * float(np.hypot(*direction))
        found.append(lixels.piece(key, along))
    return found


def kernel_density(lixels: Lixels, counts: dict[int, float], bandwidth: float,
                   check: Callable[[], None] = lambda: None) -> np.ndarray:
    """Quartic-kernel density (per km of pipe) at every lixel, distances along the network."""
    density = np.zeros(len(lixels.pipe))
    for number, (source, weight) in enumerate(counts.items()):
        if number % 500 == 0:
            check()
        for target, distance in within(lixels, source, bandwidth).items():
            u = distance / bandwidth
            density[target] += weight * (15.0 / 16.0) * (1 - u * u) ** 2 / bandwidth * 1000.0
    return density


def getis_ord(lixels: Lixels, counts: dict[int, float], distance: float,
              check: Callable[[], None] = lambda: None) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and two-sided p-values with binary network-distance neighbours (self included)."""
    n = len(lixels.pipe)
    x = np.zeros(n)
    for index, value in counts.items():
        x[index] += value
    mean = x.mean() if n else 0.0
    spread = math.sqrt(max((x * x).mean() - mean * mean, 0.0)) if n else 0.0
    z = np.zeros(n)
    if n < 3 or spread == 0:
        return z, np.ones(n)
    for index in range(n):
        if index % 1000 == 0:
            check()
        neighbours = within(lixels, index, distance)
        weight = len(neighbours)
        local = sum(x[j] for j in neighbours)
        denominator = spread * math.sqrt(max((n * weight - weight * weight) / (n - 1), 1e-12))
        z[index] = (local - mean * weight) / denominator
    p = np.array([math.erfc(abs(value) / math.sqrt(2)) for value in z])
    return z, p


def hotspot_class(z: float) -> str:
    """'hot 99%' ... 'not significant' ... 'cold 99%' from a Gi* z-score."""
    for limit, name in CLASSES:
        if z >= limit:
            return name
        if z <= -limit:
            return name.replace("hot", "cold")
    return "not significant"


@dataclass
class PipeHotspot:
    """Per pipe: events, density, the strongest Gi* of its pieces and its class."""

    events: float = 0.0
    density: float = 0.0
    z: float = 0.0
    p: float = 1.0
    hot_class: str = "not significant"


def consequence_weights(graph: nx.MultiDiGraph, kind: str) -> Optional[dict[str, float]]:
    """Per-pipe event weights: 'diameter' (DN/300) or 'upstream' (1-5 by length served); None for 'none'."""
    if kind == "none":
        return None
    edges = {key: data for _, _, key, data in graph.edges(keys=True, data=True)}
    if kind == "diameter":
        return {key: (data.get("diameter") or 300.0) / 300.0 for key, data in edges.items()}
    from .accumulate import accumulate

    lengths = accumulate(graph).length
    largest = max(lengths.values(), default=1.0) or 1.0
    return {key: 1.0 + 4.0 * lengths.get(key, 0.0) / largest for key in edges}


def hotspots(graph: nx.MultiDiGraph, coords: dict, events_on_pipes: Iterable[tuple[str, float, float]] = (),
             event_points: Iterable[tuple[float, float, float]] = (), lixel_length: float = 50.0,
             bandwidth: float = 300.0, neighbour_distance: float = 300.0, snap_distance: float = 50.0,
             pipe_weights: Optional[dict[str, float]] = None,
             check: Callable[[], None] = lambda: None) -> dict[str, PipeHotspot]:
    """Hotspots per pipe from events given on pipes (id, distance, weight) or as points (x, y, weight)."""
    lixels = make_lixels(graph, coords, lixel_length)
    counts: dict[int, float] = {}
    for pipe_id, distance, weight in events_on_pipes:
        piece = lixels.piece(pipe_id, distance)
        if piece is not None:
            counts[piece] = counts.get(piece, 0.0) + weight
    points = list(event_points)
    for (_, _, weight), piece in zip(points, assign_points(lixels, coords, [(x, y) for x, y, _ in points],
                                                           snap_distance)):
        if piece is not None:
            counts[piece] = counts.get(piece, 0.0) + weight
    if pipe_weights:
        counts = {i: c * pipe_weights.get(lixels.pipe[i], 1.0) for i, c in counts.items()}
    density = kernel_density(lixels, counts, bandwidth, check)
    z, p = getis_ord(lixels, counts, neighbour_distance, check)
    result: dict[str, PipeHotspot] = {}
    for index, pipe_id in enumerate(lixels.pipe):
        row = result.setdefault(pipe_id, PipeHotspot(z=-math.inf))
        row.events += counts.get(index, 0.0)
        row.density = max(row.density, float(density[index]))
        if z[index] > row.z:
            row.z, row.p = float(z[index]), float(p[index])
    for row in result.values():
        row.z = round(row.z, 3) if math.isfinite(row.z) else 0.0
        row.hot_class = hotspot_class(row.z)
        row.density = round(row.density, 3)
    return result
