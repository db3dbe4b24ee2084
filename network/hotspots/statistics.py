"""Network-constrained hotspots: kernel density along pipes and Getis-Ord Gi* with network neighbours."""

from __future__ import annotations

import math
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

import networkx as nx
import numpy as np
from scipy.special import erfc

from .._errors import PipeNetInputError
from ..model.columns import KeyedRecords
from ..model.records import check_distance
from ..model.tables import GraphTable, table_of
from ..parallel import started
from .lixels import Lixels, assign_points, make_lixels
from .neighbourhoods import counts_within, pairs_within

CLASSES = ((2.576, "hot 99%"), (1.960, "hot 95%"), (1.645, "hot 90%"))


def event_pairs(lixels: Lixels, counts: dict[int, float], radius: float,
                check: Callable[[], None] = lambda: None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(the pieces with events, ascending; then pairs_within from them: source position, piece,
    distance) — what the density and the Gi* sums both need, searched once."""
    events = np.array(sorted(counts), dtype=np.int64)
    return (events, *pairs_within(lixels.adjacency, events, radius, check))


def kernel_density(lixels: Lixels, counts: dict[int, float], bandwidth: float,
                   check: Callable[[], None] = lambda: None, pairs: Optional[tuple] = None) -> np.ndarray:
    """Quartic-kernel density (per km of pipe) at every lixel, distances along the network
    (``pairs``: event_pairs at ``bandwidth`` or more, when already searched)."""
    if not counts:
        return np.zeros(len(lixels.pipe))
    events, source, node, distance = pairs if pairs is not None else event_pairs(lixels, counts, bandwidth, check)
    near = distance <= bandwidth
    weights = np.array([counts[event] for event in events.tolist()], dtype=float)
    u = distance[near] / bandwidth
    return np.bincount(node[near], weights=weights[source[near]] * (15.0 / 16.0) * (1 - u * u) ** 2 / bandwidth
                       * 1000.0, minlength=len(lixels.pipe))


@dataclass
class GiSums:
    """What Gi* needs per piece, kept when asked (a partitioned audit scores with the network's moments):
    the event weight ``x``, the sum ``local`` of the weights within the neighbour distance and the
    number ``weight`` of pieces there (itself included)."""

    x: np.ndarray
    local: np.ndarray
    weight: np.ndarray


def gi_star_sums(lixels: Lixels, counts: dict[int, float], distance: float,
                 check: Callable[[], None] = lambda: None, chunk: int = 20000,
                 pairs: Optional[tuple] = None) -> GiSums:
    """The per-piece sums of Gi* with binary network-distance neighbours (self included)."""
    n = len(lixels.pipe)
    x = np.zeros(n)
    for index, value in counts.items():
        x[index] += value
    weight = neighbour_counts(lixels, distance, check, chunk)
    if not counts:
        return GiSums(x, np.zeros(n), weight)
    # network distances are symmetric: the sum around each piece comes from the pieces with events
    events, source, node, reach = pairs if pairs is not None else event_pairs(lixels, counts, distance, check)
    near = reach <= distance
    return GiSums(x, np.bincount(node[near], weights=x[events][source[near]], minlength=n), weight)


def moments(n: int, total: float, squares: float) -> tuple[float, float]:
    """(mean, standard deviation) of ``n`` values from their sum and sum of squares (0, 0 for none)."""
    mean = total / n if n else 0.0
    return mean, math.sqrt(max(squares / n - mean * mean, 0.0)) if n else 0.0


def gi_star(local: np.ndarray, weight: np.ndarray, n: int, total: float, squares: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and two-sided p-values of pieces from their sums and the moments of all ``n`` pieces
    (``total`` = Σx, ``squares`` = Σx²): mean and spread are the whole network's (Getis & Ord 1995)."""
    mean, spread = moments(n, total, squares)
    if n < 3 or spread == 0:
        return np.zeros(len(local)), np.ones(len(local))
    denominator = spread * np.sqrt(np.maximum((n * weight - weight * weight) / (n - 1), 1e-12))
    z = (local - mean * weight) / denominator
    return z, erfc(np.abs(z) / math.sqrt(2))


def getis_ord(lixels: Lixels, counts: dict[int, float], distance: float,
              check: Callable[[], None] = lambda: None, chunk: int = 20000,
              pairs: Optional[tuple] = None, sums: Optional[list] = None) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and two-sided p-values with binary network-distance neighbours (self included)
    (``pairs``: event_pairs at ``distance`` or more, when already searched; ``sums``: a list the
    GiSums are appended to)."""
    n = len(lixels.pipe)
    x = np.zeros(n)
    for index, value in counts.items():
        x[index] += value
    # np.sum of whole-number weights is exact in any order: a partitioned sum gives the same moments
    total, squares = float(x.sum()), float((x * x).sum())
    if sums is None and (n < 3 or moments(n, total, squares)[1] == 0):
        return np.zeros(n), np.ones(n)
    found = gi_star_sums(lixels, counts, distance, check, chunk, pairs)
    if sums is not None:
        sums.append(found)
    return gi_star(found.local, found.weight, n, total, squares)


def neighbour_counts(lixels: Lixels, distance: float, check: Callable[[], None] = lambda: None,
                     chunk: int = 20000) -> np.ndarray:
    """How many pieces lie within ``distance`` of each piece (itself included); kept on the Lixels,
    so breakage and overflow hotspots on the same pieces count once."""
    cache = lixels.neighbour_count_cache
    if distance not in cache:
        cache[distance] = counts_within(lixels.adjacency, lixels.ends, lixels.size, distance, check, chunk)
    counted = cache[distance]
    return counted.result() if isinstance(counted, Future) else counted


def count_neighbours_beside(lixels: Lixels, distance: float, check: Callable[[], None] = lambda: None) -> None:
    """Start neighbour_counts in a thread of its own (when not counted yet): neighbour_counts then waits for it."""
    cache = lixels.neighbour_count_cache
    if distance not in cache:
        cache[distance] = started(lambda: counts_within(lixels.adjacency, lixels.ends, lixels.size, distance, check))


def hotspot_classes(z: np.ndarray) -> list[Optional[str]]:
    """hotspot_class of every z-score at once (None where z is NaN).

    >>> hotspot_classes(np.array([3.0, -2.0, 0.5, np.nan]))
    ['hot 99%', 'cold 95%', 'not significant', None]
    """
    codes, names = hotspot_class_codes(z)
    return np.asarray(names + [None], dtype=object)[codes].tolist()


def hotspot_class_codes(z: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """hotspot_classes as a code per z-score into the class names (-1 where z is NaN): no string each.

    >>> codes, names = hotspot_class_codes(np.array([3.0, -2.0, 0.5, np.nan]))
    >>> [names[code] if code >= 0 else None for code in codes.tolist()]
    ['hot 99%', 'cold 95%', 'not significant', None]
    """
    z = np.asarray(z, dtype=float)
    names = [name for _, name in CLASSES] + [name.replace("hot", "cold") for _, name in CLASSES] + ["not significant"]
    codes = np.full(len(z), len(names) - 1, dtype=np.int64)
    for at in reversed(range(len(CLASSES))):  # the strictest class met is written last
        limit = CLASSES[at][0]
        codes[z >= limit] = at
        codes[z <= -limit] = len(CLASSES) + at
    codes[np.isnan(z)] = -1
    return codes, names


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


def consequence_weights(graph: Optional[nx.MultiDiGraph], kind: str,
                        table: Optional[GraphTable] = None) -> Optional[dict[str, float]]:
    """Per-pipe event weights: 'diameter' (DN/300) or 'upstream' (1-5 by length served); None for 'none'."""
    if kind == "none":
        return None
    table = table_of(graph, table)
    if kind == "diameter":
        diameters = np.nan_to_num(table.edge_numbers("diameter"), nan=300.0)
        return dict(zip(table.keys, (np.where(diameters == 0, 300.0, diameters) / 300.0).tolist()))
    from ..checks.accumulate import accumulate

    lengths = accumulate(graph, table=table).length
    largest = max(lengths.values(), default=1.0) or 1.0
    return {key: 1.0 + 4.0 * lengths.get(key, 0.0) / largest for key in table.keys}


def hotspots(graph: nx.MultiDiGraph, coords: dict, events_on_pipes: Iterable[tuple[str, float, float]] = (),
             event_points: Iterable[tuple[float, float, float]] = (), lixel_length: float = 50.0,
             bandwidth: float = 300.0, neighbour_distance: float = 300.0, snap_distance: float = 50.0,
             pipe_weights: Optional[dict[str, float]] = None,
             check: Callable[[], None] = lambda: None, table: Optional[GraphTable] = None,
             lixels: Optional[Lixels] = None, placed: Optional[dict[int, float]] = None,
             keep_sums: bool = False) -> HotspotTable:
    """Hotspots per pipe from events given on pipes (id, distance, weight) or as points (x, y, weight).

    Give ``lixels`` (make_lixels with the same ``lixel_length``) to share the pieces between runs,
    and ``placed`` (place_events on them) when the events are already placed. With ``keep_sums`` the
    table's ``sums`` are the pieces' GiSums (and ``lixels`` its pieces), for Gi* with another network's moments.
    """
    for name, value in (("lixel_length", lixel_length), ("bandwidth", bandwidth),
                        ("neighbour_distance", neighbour_distance), ("snap_distance", snap_distance)):
        check_distance(name, value)
    if lixel_length <= 0:
        raise PipeNetInputError(f"lixel_length must be over 0 m, not {lixel_length:g}.", field_name="lixel_length")
    lixels = lixels if lixels is not None else make_lixels(graph, coords, lixel_length, table)
    counts = placed if placed is not None else place_events(lixels, coords, events_on_pipes, event_points,
                                                            snap_distance)
    if pipe_weights:
        counts = {i: c * pipe_weights.get(lixels.pipe[i], 1.0) for i, c in counts.items()}
    if counts:  # Gi* will need them: counted while the events' own search runs
        count_neighbours_beside(lixels, neighbour_distance, check)
    pairs = event_pairs(lixels, counts, max(bandwidth, neighbour_distance), check) if counts else None
    density = kernel_density(lixels, counts, bandwidth, check, pairs)
    sums: Optional[list] = [] if keep_sums else None
    z, p = getis_ord(lixels, counts, neighbour_distance, check, pairs=pairs, sums=sums)
    if counts:  # the count started above has ended (and its error, a cancel, is raised) before returning
        neighbour_counts(lixels, neighbour_distance, check)
    table = HotspotTable.from_pieces(lixels, counts, density, z, p)
    if sums:
        table.sums, table.lixels = sums[0], lixels
    return table


def place_events(lixels: Lixels, coords: dict, events_on_pipes: Iterable[tuple[str, float, float]] = (),
                 event_points: Iterable[tuple[float, float, float]] = (), snap_distance: float = 50.0
                 ) -> dict[int, float]:
    """Summed event weight per piece, from events on pipes (id, distance, weight) and points (x, y, weight)
    within ``snap_distance`` of a pipe."""
    counts: dict[int, float] = {}
    on_pipes = list(events_on_pipes)
    pieces = lixels.pieces([pipe_id for pipe_id, _, _ in on_pipes], [distance for _, distance, _ in on_pipes])
    for piece, (_, _, weight) in zip(pieces.tolist(), on_pipes):
        if piece >= 0:
            counts[piece] = counts.get(piece, 0.0) + weight
    points = list(event_points)
    for (_, _, weight), piece in zip(points, assign_points(lixels, coords, [(x, y) for x, y, _ in points],
                                                           snap_distance)):
        if piece is not None:
            counts[piece] = counts.get(piece, 0.0) + weight
    return counts


def strongest_per_pipe(z: np.ndarray, p: np.ndarray, first: np.ndarray, size: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Per pipe (pieces ``first`` … ``first + size - 1``, consecutive, none empty): the strongest Gi* of its
    pieces rounded to 3 decimals (0 where not finite) and the p-value of its first piece with that z."""
    strongest = np.maximum.reduceat(z, first)
    position = np.arange(len(z))
    at = np.minimum.reduceat(np.where(z == np.repeat(strongest, size), position, len(z)), first)
    rounded = np.where(np.isfinite(strongest), np.round(strongest, 3), 0.0)
    return rounded, p[np.minimum(at, len(z) - 1)]


class HotspotTable(KeyedRecords):
    """Pipe id -> PipeHotspot over per-pipe columns (made from the pieces in array operations)."""

    def __init__(self, keys: list, events: np.ndarray, density: np.ndarray, z: np.ndarray, p: np.ndarray,
                 table_rows: Optional[np.ndarray] = None, position: Optional[Callable[[str], int]] = None):
        super().__init__(keys, position)
        self.events, self.density, self.z, self.p = events, density, z, p
        self.table_rows = table_rows
        self.sums: Optional[GiSums] = None  # hotspots(keep_sums=True)
        self.lixels: Optional[Lixels] = None

    def aligned(self, name: str, count: int) -> np.ndarray:
        """A column spread over the ``count`` pipes of the network's table (NaN for pipes without pieces)."""
        values = np.full(count, np.nan)
        values[self.table_rows] = getattr(self, name)
        return values

    @classmethod
    def from_pieces(cls, lixels: Lixels, counts: dict[int, float], density: np.ndarray, z: np.ndarray,
                    p: np.ndarray) -> HotspotTable:
        """Per pipe: summed events, highest density, and the strongest Gi* of its pieces (the first one on ties)."""
        keys, first, size = lixels.pipe_arrays()
        if not len(keys):
            return cls([], np.empty(0), np.empty(0), np.empty(0), np.empty(0), np.empty(0, dtype=np.int64))
        events = np.zeros(len(lixels.pipe))
        for index, value in counts.items():
            events[index] += value
        rounded, strongest_p = strongest_per_pipe(z, p, first, size)
        return cls(keys, np.add.reduceat(events, first), np.round(np.maximum.reduceat(density, first), 3),
                   rounded, strongest_p, lixels.table_rows,
                   getattr(lixels.first_of_pipe, "position", None))  # the table's own lookup when shared

    def hot_class(self, row: int) -> str:
        """Class of the pipe at ``row``."""
        return hotspot_class(float(self.z[row]))

    def record(self, row: int) -> PipeHotspot:
        """The PipeHotspot of one row."""
        return PipeHotspot(float(self.events[row]), float(self.density[row]), float(self.z[row]), float(self.p[row]),
                           self.hot_class(row))

    def hot_count(self) -> int:
        """Number of pipes in a hot class (90 % or more)."""
        return int((self.z >= CLASSES[-1][0]).sum())
