"""Columnar layers: one numpy array per field and flat vertex arrays, so a build never loops per feature."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from .records import LayerData


@dataclass
class Provenance:
    """Where a layer's columns came from, as its reader knew it (keyword fields, after each class's own):
    what lets a writer copy the input file instead of writing every feature again."""

    source_fids: Optional[np.ndarray] = field(default=None, kw_only=True)  # the file's feature id of each feature
    bulk_refusal: Optional[str] = field(default=None, kw_only=True)  # why read feature by feature (None: in bulk)
    origin: Optional[tuple] = field(default=None, kw_only=True)  # (file, layer, subset, encoding) to copy from
    in_source_crs: bool = field(default=False, kw_only=True)  # coordinates as in the file, not transformed


@dataclass
class LineColumns(Provenance):
    """A line layer as arrays: attributes per feature, parts as ranges of one vertex array.

    ``fids`` are the keys findings and results use (the record fid, which adapters set to the
    feature's position); ``part_feature`` gives each part's feature position and ``offsets`` its
    vertex range in ``xy`` (working CRS, metres). Empty parts are left out; a feature with no part
    has no geometry.
    """

    name: str
    field_names: list[str]
    fids: np.ndarray
    attrs: dict[str, np.ndarray]
    part_feature: np.ndarray
    part_number: np.ndarray
    offsets: np.ndarray
    xy: np.ndarray

    @property
    def count(self) -> int:
        """Number of features."""
        return len(self.fids)


@dataclass
class PointColumns(Provenance):
    """A point layer as arrays: attributes and x/y per feature (NaN where the geometry is null)."""

    name: str
    field_names: list[str]
    fids: np.ndarray
    attrs: dict[str, np.ndarray]
    xy: np.ndarray

    @property
    def count(self) -> int:
        """Number of features."""
        return len(self.fids)


def concat_columns(parts: list) -> Union[LineColumns, PointColumns]:
    """LineColumns or PointColumns of batches of one layer, in order (``fids`` as given). A column whose
    batches are of different kinds (numbers in one, text in another) becomes an object column."""
    first = parts[0]
    names = list(first.field_names)
    attrs = {}
    for name in names:
        chunks = [part.attrs[name] for part in parts]
        if len({chunk.dtype.kind for chunk in chunks}) > 1:
            chunks = [chunk.astype(object) for chunk in chunks]
        attrs[name] = np.concatenate(chunks)
    fids = np.concatenate([part.fids for part in parts])
    if isinstance(first, PointColumns):
        return PointColumns(first.name, names, fids, attrs, np.concatenate([part.xy for part in parts]))
    before = np.cumsum([0] + [part.count for part in parts[:-1]])
    vertices = np.cumsum([0] + [len(part.xy) for part in parts[:-1]])
    offsets = np.concatenate([part.offsets[:-1] + shift for part, shift in zip(parts, vertices)]
                             + [[sum(len(part.xy) for part in parts)]]).astype(np.int64)
    return LineColumns(first.name, names, fids, attrs,
                       np.concatenate([part.part_feature + shift for part, shift in zip(parts, before)]),
                       np.concatenate([part.part_number for part in parts]), offsets,
                       np.concatenate([part.xy for part in parts]))


def object_array(values: Sequence[Any]) -> np.ndarray:
    """A 1-D object array of ``values`` (numpy would turn equal-length tuples into a 2-D array)."""
    return np.fromiter(values, dtype=object, count=len(values))


def lines_from_records(layer: LayerData) -> LineColumns:
    """Columns of a LayerData of PipeRecords."""
    records = list(layer.records)
    part_feature, part_number, sizes, points = [], [], [], []
    for position, record in enumerate(records):
        number = 0
        for part in record.parts or []:
            if not part:
                continue
            number += 1
            part_feature.append(position)
            part_number.append(number)
            sizes.append(len(part))
            points.extend((p[0], p[1]) for p in part)
    return LineColumns(
        name=layer.name, field_names=list(layer.field_names),
        fids=np.array([r.fid for r in records], dtype=np.int64),
        attrs={name: object_array([r.attrs.get(name) for r in records]) for name in layer.field_names},
        part_feature=np.array(part_feature, dtype=np.int64), part_number=np.array(part_number, dtype=np.int64),
        offsets=np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64),
        xy=np.array(points, dtype=float).reshape(-1, 2))


def points_from_records(layer: LayerData) -> PointColumns:
    """Columns of a LayerData of NodeRecords."""
    records = list(layer.records)
    xy = np.array([r.xy if r.xy is not None else (np.nan, np.nan) for r in records], dtype=float).reshape(-1, 2)
    return PointColumns(
        name=layer.name, field_names=list(layer.field_names),
        fids=np.array([r.fid for r in records], dtype=np.int64),
        attrs={name: object_array([r.attrs.get(name) for r in records]) for name in layer.field_names}, xy=xy)


def as_lines(layer: Union[LayerData, LineColumns]) -> LineColumns:
    """LineColumns of records or columns."""
    return layer if isinstance(layer, LineColumns) else lines_from_records(layer)


def as_points(layer: Union[LayerData, PointColumns, None]) -> Optional[PointColumns]:
    """PointColumns of records or columns (None stays None)."""
    if layer is None or isinstance(layer, PointColumns):
        return layer
    return points_from_records(layer)


def sample_rows(attrs: dict[str, np.ndarray], count: int) -> list[dict[str, Any]]:
    """The first ``count`` rows as dicts (field detection looks at values, not only names)."""
    columns = {name: values[:count].tolist() for name, values in attrs.items()}
    size = min([len(v) for v in columns.values()] or [0])
    return [{name: values[row] for name, values in columns.items()} for row in range(size)]


def factorize(values: np.ndarray) -> tuple[np.ndarray, list]:
    """(codes, distinct values) in order of first appearance; code -1 marks None/NaN.

    >>> factorize(np.array(["b", None, "a", "b"], dtype=object))
    (array([ 0, -1,  1,  0]), ['b', 'a'])
    """
    values = np.asarray(values)
    if values.dtype.kind == "f":
        missing = np.isnan(values)
        codes = np.full(len(values), -1, dtype=np.int64)
        known_codes, distinct = factorize(values[~missing].view(np.int64))  # bit patterns sort in C
        codes[~missing] = known_codes
        return codes, np.array(distinct, dtype=np.int64).view(np.float64).tolist()
    if values.dtype.kind in "iub":
        distinct, first, inverse = np.unique(values, return_index=True, return_inverse=True)
        order = np.argsort(first)
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank[inverse].astype(np.int64), distinct[order].tolist()
    if len(values) > 100_000:
        try:  # a county's millions of ids: pandas hashes in C, several times faster than a dict
            import pandas

            codes, uniques = pandas.factorize(values)
            return np.asarray(codes, dtype=np.int64), list(uniques)
        except ImportError:
            pass
    listed = values.tolist()
    lookup = dict.fromkeys(listed)  # C speed; keeps the order of first appearance
    distinct = list(lookup)
    lookup.update(zip(distinct, range(len(distinct))))
    codes = np.fromiter(map(lookup.__getitem__, listed), dtype=np.int64, count=len(listed))
    missing = [v is None or (isinstance(v, float) and v != v) for v in distinct]
    if not any(missing):
        return codes, distinct
    # drop None/NaN from the distinct values and renumber the rest
    renumber = np.cumsum([not m for m in missing]) - 1
    renumber = np.where(missing, -1, renumber)
    return renumber[codes].astype(np.int64) if len(codes) else codes, \
        [v for v, m in zip(distinct, missing) if not m]


def lookup_codes(values: np.ndarray, mapping: dict, default: int = -1) -> np.ndarray:
    """``mapping[value]`` for every value as an int array (``default`` for others), one lookup per distinct value.

    >>> lookup_codes(np.array(["storm", None, "sanitary", "storm"], dtype=object), {"storm": 0, "sanitary": 1})
    array([ 0, -1,  1,  0])
    """
    return lookup_factorized(factorize(values), mapping, default)


def lookup_factorized(factorized: tuple[np.ndarray, list], mapping: dict, default: int = -1) -> np.ndarray:
    """``lookup_codes`` of values already factorized: (codes, distinct values) as ``factorize`` gives them."""
    codes, distinct = factorized
    mapped = np.array([mapping.get(value, default) for value in distinct] + [mapping.get(None, default)],
                      dtype=np.int64)
    return mapped[codes]


def unique_pairs(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``np.unique(np.stack([first, second], axis=1), axis=0)`` of integer columns, several times
    quicker: each pair as one number when both fit (unique along an axis sorts rows as records).

    >>> unique_pairs(np.array([2, 0, 2, 0]), np.array([1, 5, 1, 3])).tolist()
    [[0, 3], [0, 5], [2, 1]]
    """
    first, second = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
    if not len(first):
        return np.empty((0, 2), dtype=np.int64)
    width = int(second.max()) + 1
    if first.min() < 0 or second.min() < 0 or int(first.max()) >= 2 ** 62 // width:
        return np.unique(np.stack([first, second], axis=1), axis=0)
    keys = np.unique(first * width + second)
    return np.stack([keys // width, keys % width], axis=1)


def rounded(values: np.ndarray, digits: int) -> np.ndarray:
    """``round(value, digits)`` of every float, as Python rounds it (to the nearest decimal, ties to
    even), in C: numpy's own rounding differs only next to a tie, where Python rounds instead.

    >>> values = [0.25, 2.675, 1.05, 0.35, 1e300]
    >>> rounded(np.array(values), 1).tolist() == [round(value, 1) for value in values]
    True
    """
    values = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        result = np.round(values, digits)
        scaled = values * 10.0 ** digits
        near_tie = np.abs(np.abs(scaled - np.trunc(scaled)) - 0.5) <= 1e-6 * np.maximum(1.0, np.abs(scaled))
    near_tie |= np.isfinite(values) & ~np.isfinite(scaled)  # too large to scale: Python keeps them
    for at in np.flatnonzero(near_tie).tolist():
        result[at] = round(float(values[at]), digits)
    return result


def map_values(values: np.ndarray, function: Callable[[Any], Any]) -> np.ndarray:
    """``function`` applied once per distinct value, spread back to every row (object array)."""
    return map_many(values, function)[0]


def map_many(values: np.ndarray, *functions: Callable[[Any], Any]) -> list[np.ndarray]:
    """Several functions applied once per distinct value (one factorisation), each spread back to every row."""
    codes, uniques = factorize(values)
    # code -1 picks the last entry: function(None)
    return [object_array([function(u) for u in uniques] + [function(None)])[codes] for function in functions]


def numbers(values: np.ndarray, parse: Callable[[Any], Optional[float]]) -> np.ndarray:
    """Float array of parsed numbers, NaN where a value is missing or unreadable."""
    if values.dtype.kind in "iuf":
        result = values.astype(float)
        result[~np.isfinite(result)] = np.nan
        return result
    parsed = map_values(values, parse)
    return np.array([np.nan if p is None else p for p in parsed.tolist()], dtype=float)


def occurrence(values: np.ndarray, ids: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(rank of each row among equal values, 0 for the first; size of its group).

    ``ids``: the values are meant to be distinct (feature ids): a set tells that in a third of the
    time a factorization takes (0.4 s for a county's 2.3 million), which is then skipped.

    >>> [column.tolist() for column in occurrence(object_array(["a", "b", "a"]), ids=True)]
    [[0, 0, 1], [2, 1, 2]]
    """
    if ids and len(values) > 1000:
        listed = values.tolist() if isinstance(values, np.ndarray) else list(values)
        if len(set(listed)) == len(listed) and None not in listed:
            return np.zeros(len(listed), dtype=np.int64), np.ones(len(listed), dtype=np.int64)
    codes, distinct = factorize(values)
    if len(distinct) == len(codes):  # every value given and distinct (ids, as a rule): nothing to rank
        return np.zeros(len(codes), dtype=np.int64), np.ones(len(codes), dtype=np.int64)
    codes = np.where(codes < 0, codes.max(initial=-1) + 1 + np.arange(len(codes)), codes)
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(ordered)) + 1]) if len(ordered) else np.empty(0, int)
    sizes = np.diff(np.concatenate([starts, [len(ordered)]]))
    rank = np.empty(len(codes), dtype=np.int64)
    rank[order] = np.arange(len(codes)) - np.repeat(starts, sizes)
    group = np.empty(len(codes), dtype=np.int64)
    group[order] = np.repeat(sizes, sizes)
    return rank, group


def group_starts(sizes: np.ndarray) -> np.ndarray:
    """Where each group starts when groups of ``sizes`` lie one after another."""
    sizes = np.asarray(sizes, dtype=np.int64)
    return np.cumsum(sizes) - sizes


def ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The indices start, start + 1, ... of every (start, size) range, concatenated.

    A running sum of steps (1 inside a range, a jump where one begins): 2-3x faster than
    repeating the starts, and without Python's lock, which np.repeat holds, so threads overlap.

    >>> ranges(np.array([10, 20, 30]), np.array([2, 0, 3])).tolist()
    [10, 11, 30, 31, 32]
    """
    starts, sizes = np.asarray(starts, dtype=np.int64), np.asarray(sizes, dtype=np.int64)
    if not sizes.all():
        kept = np.flatnonzero(sizes)
        starts, sizes = starts[kept], sizes[kept]
    steps = np.ones(int(sizes.sum()), dtype=np.int64)
    if len(steps):
        steps[0] = starts[0]
        steps[group_starts(sizes)[1:]] = starts[1:] - starts[:-1] - sizes[:-1] + 1
    return np.cumsum(steps, out=steps)


def range_boxes(offsets: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """(minx, maxx, miny, maxy) of each vertex range ``offsets[i]:offsets[i + 1]`` of ``xy`` (none empty).

    >>> range_boxes(np.array([0, 2, 3]), np.array([[0.0, 5.0], [2.0, 1.0], [7.0, 7.0]])).tolist()
    [[0.0, 2.0, 1.0, 5.0], [7.0, 7.0, 7.0, 7.0]]
    """
    starts = np.asarray(offsets[:-1], dtype=np.int64)
    if not len(starts):
        return np.empty((0, 4))
    x, y = xy[:, 0], xy[:, 1]
    return np.stack([np.minimum.reduceat(x, starts), np.maximum.reduceat(x, starts),
                     np.minimum.reduceat(y, starts), np.maximum.reduceat(y, starts)], axis=1)


def part_ranges(offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first vertex, last vertex) of every part."""
    return offsets[:-1], offsets[1:] - 1


def running_sums(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The running sum of ``values`` within each range ``offsets[i]:offsets[i + 1]``, each range summed on
    its own from its first value: what ``np.cumsum`` gives each range alone.

    One running sum over the whole array minus each range's start would be faster, but its rounding
    grows with everything summed before the range (a nation's metres: 1e-7 m a vertex), so a pipe's
    length would depend on the pipes before it in the layer, and a subset of a layer would not give
    its pipes the lengths the whole layer gives them. Here each step adds the ranges' next values at
    once, so the work is the array's length and the passes are the longest range's.

    >>> running_sums(np.array([1.0, 2.0, 3.0, 10.0, 20.0]), np.array([0, 3, 5])).tolist()
    [1.0, 3.0, 6.0, 10.0, 30.0]
    """
    total = np.array(values, dtype=float)
    starts = np.asarray(offsets[:-1], dtype=np.int64)
    sizes = np.diff(np.asarray(offsets, dtype=np.int64))
    going = np.flatnonzero(sizes > 1)
    step = 1
    while len(going):
        at = starts[going] + step
        total[at] += total[at - 1]
        step += 1
        going = going[sizes[going] > step]
    return total


def along(xy: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Distance along its part of every vertex (0 at each part's first vertex), each part measured on its
    own (``running_sums``)."""
    steps = np.zeros(len(xy))
    if len(xy) > 1:
        steps[1:] = np.hypot(*(xy[1:] - xy[:-1]).T)
    steps[offsets[:-1]] = 0.0
    return running_sums(steps, offsets)


def vertex_at_or_before(distance: np.ndarray, offsets: np.ndarray, part: np.ndarray,
                        target: np.ndarray) -> np.ndarray:
    """For each ``target`` distance along part ``part``, the last vertex of that part at or before it
    (``distance``: along each part, as ``along`` gives; targets not below 0).

    Each part is searched on its own, a vertex a step, so the answer never depends on other parts
    (one search over all parts shifted apart by their running lengths would round with the layer's size).

    >>> vertex_at_or_before(np.array([0.0, 1.0, 3.0, 0.0, 2.0]), np.array([0, 3, 5]), np.array([0, 0, 1]),
    ...                     np.array([2.0, 3.0, 1.0])).tolist()
    [1, 2, 3]
    """
    first = np.asarray(offsets[:-1], dtype=np.int64)[part]
    size = np.diff(np.asarray(offsets, dtype=np.int64))[part]
    found = first.copy()
    going = np.flatnonzero(size > 1)
    step = 1
    while len(going):
        going = going[distance[first[going] + step] <= target[going]]  # distances rise along a part
        found[going] += 1
        step += 1
        going = going[size[going] > step]
    return found


def midpoints(xy: np.ndarray, offsets: np.ndarray, distance: Optional[np.ndarray] = None) -> np.ndarray:
    """The point halfway along every part, shape (parts, 2)."""
    if len(offsets) < 2:
        return np.empty((0, 2))
    distance = along(xy, offsets) if distance is None else distance
    first, last = part_ranges(offsets)
    lengths = distance[last]
    target = lengths / 2.0
    index = np.clip(vertex_at_or_before(distance, offsets, np.arange(len(lengths)), target), first,
                    np.maximum(first, last - 1))
    following = np.minimum(index + 1, last)
    step = distance[following] - distance[index]
    ratio = np.where(step > 0, (target - distance[index]) / np.where(step > 0, step, 1.0), 0.0)
    return xy[index] + ratio[:, None] * (xy[following] - xy[index])


class KeyedRecords(Mapping):
    """Key -> record made on demand from column row ``row`` (whole-network results without an object per key)."""

    def __init__(self, keys: list, position: Optional[Callable[[Any], int]] = None):
        self.keys_list = keys
        self._index: Optional[dict] = None
        self._position = position  # a shared key -> row lookup (e.g. GraphTable.edge_position)

    def record(self, row: int) -> Any:
        """The record of one row (subclasses say how)."""
        raise NotImplementedError

    @property
    def position(self) -> Optional[Callable[[Any], int]]:
        """The shared key -> row lookup, if one was given."""
        return self._position

    def row_of(self, key) -> int:
        """Row of a key."""
        if self._position is not None:
            return self._position(key)
        if self._index is None:
            self._index = dict(zip(self.keys_list, range(len(self.keys_list))))
        return self._index[key]

    def row_or_none(self, key) -> Optional[int]:
        """Row of a key, None when it is not here."""
        try:
            return self.row_of(key)
        except (KeyError, TypeError):
            return None

    def __getitem__(self, key):
        return self.record(self.row_of(key))

    def __iter__(self):
        return iter(self.keys_list)

    def __len__(self) -> int:
        return len(self.keys_list)

    def __contains__(self, key) -> bool:
        return self.row_or_none(key) is not None


class KeyedValues(KeyedRecords):
    """Key -> value over a list or a numpy array in key order (a whole-network result without a dict
    per result); values come out as plain Python numbers either way."""

    def __init__(self, keys: list, values, position: Optional[Callable[[Any], int]] = None):
        super().__init__(keys, position)
        self.values_list = values

    def record(self, row: int) -> Any:
        """The value of one row."""
        value = self.values_list[row]
        return value.item() if isinstance(value, np.generic) else value

    def values(self):
        """The values in key order."""
        values = self.values_list
        return iter(values.tolist() if isinstance(values, np.ndarray) else values)


class PartCoords(Mapping):
    """Pipe id -> its (n, 2) vertex array, as views into one vertex array (no dict of millions)."""

    def __init__(self, keys: list, xy, offsets):
        self._keys, self._xy, self._offsets = keys, xy, offsets
        self._index: Optional[dict] = None

    @property
    def keys_list(self) -> list:
        """The pipe ids in order (the build's GraphTable shares this very list)."""
        return self._keys

    def arrays(self, positions):
        """(vertex array, offsets) of the parts at ``positions``, for building indexes in bulk."""
        if len(positions) == len(self._offsets) - 1 and self._offsets[0] == 0 \
                and np.array_equal(positions, np.arange(len(positions))):
            return self._xy, np.asarray(self._offsets, dtype=np.int64)  # every part in order: no copy
        sizes = self._offsets[positions + 1] - self._offsets[positions]
        xy = self._xy[ranges(self._offsets[positions], sizes)]
        return xy, np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)

    def boxes(self) -> np.ndarray:
        """(minx, maxx, miny, maxy) of every part, in order."""
        return range_boxes(self._offsets, self._xy)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """((min x, min y), (max x, max y)) of all the parts' vertices."""
        return self._xy.min(axis=0), self._xy.max(axis=0)

    def positions(self, keys: list) -> np.ndarray:
        """Positions of the parts with ``keys`` (for ``arrays``)."""
        if keys is self._keys:
            return np.arange(len(keys), dtype=np.int64)
        return np.fromiter((self._position(key) for key in keys), dtype=np.int64, count=len(keys))

    def _position(self, key) -> int:
        if self._index is None:
            self._index = dict(zip(self._keys, range(len(self._keys))))
        return self._index[key]

    def __getitem__(self, key):
        position = self._position(key)
        return self._xy[self._offsets[position]:self._offsets[position + 1]]

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key) -> bool:
        try:
            self._position(key)
        except (KeyError, TypeError):
            return False
        return True
