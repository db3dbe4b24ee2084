"""Read canonical attribute columns (ids, system, diameter, inverts ...) out of raw layer columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ..model.columns import (
    LineColumns,
    PointColumns,
    factorize,
    map_many,
    map_values,
    numbers,
    object_array,
    occurrence,
)
from ..model.findings import Check, Finding, make_finding
from .fields import is_null, normalise_direction, normalise_node_type, normalise_system, parse_diameter, parse_number

MAX_DIAMETER_MM = 6000.0
MAX_DEPTH_M = 15.0
NODE_NUMBERS = ("ground_elev", "invert_elev", "depth")
PIPE_TEXTS = ("from_node", "to_node", "material", "status")
PIPE_NUMBERS = ("up_invert", "down_invert", "up_depth", "down_depth", "install_year", "length")


def _text(value: Any) -> Optional[str]:
    if type(value) is str:  # the usual case, first
        return value.strip() or None
    if is_null(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# what strip() strips (every character whose isspace() is true; a test checks the list)
_SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
           "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_ASCII_SPACES = "".join(character for character in _SPACES if character.isascii())


def _any_to_strip(texts: list) -> bool:
    """Whether strip() might change or empty one of ``texts`` (all str): a whitespace character
    anywhere, or an empty text. Searching them joined runs in C (a county's ids: milliseconds)."""
    joined = "\x00".join(texts)
    if not texts or "\x00\x00" in joined or joined.startswith("\x00") or joined.endswith("\x00") or not joined:
        return True
    return any(space in joined for space in (_ASCII_SPACES if joined.isascii() else _SPACES))


def id_texts(values: np.ndarray) -> np.ndarray:
    """_text of every value; plain strings (what files give) are stripped directly, without hashing."""
    if values.dtype == object:
        listed = values.tolist()
        try:
            # most columns need no stripping at all: one search of them joined says so, in C
            if listed and not _any_to_strip(listed):
                return values.copy() if values.ndim == 1 else object_array(listed)
        except TypeError:  # not all strings
            pass
        try:
            return object_array([value.strip() or None for value in listed])
        except AttributeError:  # None, numbers, QGIS NULLs: one value at a time
            pass
    return map_values(values, _text)


@dataclass
class NodeTable:
    """Node ids, locations and canonical attribute columns, in input order (nodes with a location)."""

    ids: np.ndarray
    fids: np.ndarray
    xy: np.ndarray
    columns: dict[str, np.ndarray]

    @classmethod
    def empty(cls) -> NodeTable:
        """A table with no nodes (no node layer given)."""
        nothing = object_array([])
        return cls(nothing, np.empty(0, dtype=np.int64), np.empty((0, 2)),
                   {"type": nothing, "raw_type": nothing, "system": nothing,
                    **{key: np.empty(0) for key in NODE_NUMBERS}})

    def positions(self, *id_columns: np.ndarray, given: Optional[list] = None) -> list[np.ndarray]:
        """Position in the table of each id of each column, -1 where there is no such node; ``given``
        receives each column's mask of the ids given (not None).

        One hashing pass over the table's ids and every column together (a county's millions of
        from/to ids): the table's ids are unique and come first, so their codes are their positions.

        >>> table = NodeTable(object_array(["J1", "J2"]), np.arange(2), np.zeros((2, 2)), {})
        >>> [found.tolist() for found in table.positions(object_array(["J2", None, "J9"]), object_array(["J1"]))]
        [[1, -1, -1], [0]]
        """
        count = len(self.ids)
        joined = np.concatenate([np.asarray(self.ids, dtype=object)] +
                                [np.asarray(column, dtype=object) for column in id_columns])
        codes, _ = factorize(joined)
        if not np.array_equal(codes[:count], np.arange(count)):  # ids not unique: the first of each counts
            first = {node_id: position for position, node_id in reversed(list(enumerate(self.ids.tolist())))}
            codes = np.array([first.get(node_id, count) if node_id is not None else -1
                              for node_id in joined.tolist()], dtype=np.int64)
        found = np.where((codes >= 0) & (codes < count), codes, -1)
        bounds = np.cumsum([count] + [len(column) for column in id_columns])
        if given is not None:
            known = codes >= 0  # the code of None (and NaN) is -1
            if len(known) and not known[count:].all():  # a None beside unique ids: tell them apart
                known[count:] = [value is not None for value in joined[count:].tolist()]
            given += [known[start:end] for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist())]
        return [found[start:end] for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist())]


def pipe_ids_name_nothing(distinct_ids: int, pipes: int) -> bool:
    """Whether a pipe id column names nothing: fewer distinct ids (blanks left out) than half the pipe
    features, as in exports that give every feature OBJECTID 0. The pipes are then named P<fid>."""
    return distinct_ids < 0.5 * pipes


def node_ids_name_nothing(repeated: int, located: int) -> bool:
    """Whether a node id column names nothing: more than half the nodes with a location give an id that
    another of them gives too. The nodes are then named N<fid>."""
    return repeated > located / 2


def read_node_table(nodes: PointColumns, mapping: dict[str, str], aliases: dict,
                    findings: list[Finding], names_nothing: Optional[bool] = None) -> NodeTable:
    """Read node ids (unique), locations and attributes; nodes without a location are reported.
    ``names_nothing``: whether the id column names nothing (None: judged here, node_ids_name_nothing)."""
    located = np.isfinite(nodes.xy).all(axis=1)
    for position in np.flatnonzero(~located).tolist():
        fid = int(nodes.fids[position])
        findings.append(make_finding(Check.NULL_GEOMETRY, f"N{fid}", fid, kind="node", value="node"))
    kept = np.flatnonzero(located)
    fids = nodes.fids[kept]

    every = len(kept) == nodes.count

    def raw(key: str) -> np.ndarray:
        if key not in mapping:
            return object_array([None] * len(kept))
        return nodes.attrs[mapping[key]] if every else nodes.attrs[mapping[key]][kept]

    raw_ids = id_texts(raw("id")) if "id" in mapping else object_array([None] * len(kept))
    rank = None
    if "id" in mapping and len(kept):
        rank, group = occurrence(raw_ids, ids=True)
        given = np.array([i is not None for i in raw_ids.tolist()], dtype=bool)
        if names_nothing if names_nothing is not None else \
                node_ids_name_nothing(int((given & (group > 1)).sum()), len(kept)):
            # An id column that is mostly repeated (OBJECTID all 0 in some exports) names nothing.
            mapping.pop("id")
            raw_ids = object_array([None] * len(kept))
            rank = None
        elif not given.all():
            rank = None
    ids = object_array([r if r is not None else f"N{f}" for r, f in zip(raw_ids.tolist(), fids.tolist())])
    if rank is None:
        rank, _ = occurrence(ids, ids=True)  # made-up N<fid> ids can clash with given ones
    for position in np.flatnonzero(rank > 0).tolist():
        node_id = ids[position]
        findings.append(make_finding(Check.DUPLICATE_ID, node_id, int(fids[position]), value=node_id,
                                     xy=tuple(nodes.xy[kept[position]])))
        ids[position] = f"{node_id}#dup{rank[position] + 1}"
    unknown = object_array([None] * len(kept))
    kinds = map_many(raw("type"), lambda v: normalise_node_type(v, aliases), _text) if "type" in mapping \
        else [unknown, unknown]
    columns = {
        "type": kinds[0], "raw_type": kinds[1],
        "system": map_values(raw("system"), lambda v: normalise_system(v, aliases)) if "system" in mapping
        else unknown,
    }
    for key in NODE_NUMBERS:
        columns[key] = numbers(raw(key), parse_number) if key in mapping else np.full(len(kept), np.nan)
    derived = np.isnan(columns["invert_elev"])
    columns["invert_elev"] = np.where(derived, columns["ground_elev"] - columns["depth"], columns["invert_elev"])
    return NodeTable(ids, fids, nodes.xy[kept].astype(float), columns)


def read_pipe_attributes(pipes: LineColumns, mapping: dict[str, str], aliases: dict, diameter_unit: str,
                         findings: list[Finding], names_nothing: Optional[bool] = None,
                         blank_diameters: Optional[bool] = None) -> dict[str, np.ndarray]:
    """Canonical value columns per pipe feature; implausible or unreadable values become findings.
    ``names_nothing``: whether the id column names nothing (None: judged here, pipe_ids_name_nothing);
    ``blank_diameters``: whether the layer gives no pipe a diameter (None: judged here; told, its one
    finding is the teller's)."""
    count = pipes.count
    nothing = object_array([None] * count)

    def raw(key: str) -> np.ndarray:
        return pipes.attrs[mapping[key]] if key in mapping else nothing

    ids = id_texts(raw("id")) if "id" in mapping else nothing
    distinct = set(ids.tolist())  # in C: a filtering set comprehension took twice as long on a county
    blank = None in distinct or "" in distinct
    if "id" in mapping and (names_nothing if names_nothing is not None else
                            pipe_ids_name_nothing(len(distinct - {None, ""}), count)):
        ids, blank = nothing, True
        mapping.pop("id")
    if blank:
        ids = object_array([i or f"P{f}" for i, f in zip(ids.tolist(), pipes.fids.tolist())])
    raw_system = raw("system")
    system, raw_text, system_blank = map_many(raw_system, lambda v: normalise_system(v, aliases), _text, is_null)
    values: dict[str, np.ndarray] = {
        "id": ids,
        "system": system,
        "raw_system": raw_text,
        "direction": map_values(raw("direction"), lambda v: normalise_direction(v, aliases))
        if "direction" in mapping else nothing,
    }
    for key in PIPE_TEXTS:
        values[key] = id_texts(raw(key)) if key in mapping else nothing
    values["diameter"] = _diameters(raw("diameter"), diameter_unit) if "diameter" in mapping \
        else np.full(count, np.nan)
    # (row, order within the row, finding): sorted at the end so findings read feature by feature
    reported: list[tuple[int, int, Finding]] = []
    for order, key in enumerate(PIPE_NUMBERS):
        values[key] = numbers(raw(key), parse_number) if key in mapping else np.full(count, np.nan)
        if key in mapping:
            unread = np.isnan(values[key]) & ~blank_values(raw(key))
            for row in np.flatnonzero(unread).tolist():
                reported.append((row, order, make_finding(Check.UNPARSED_VALUE, ids[row], int(pipes.fids[row]),
                                                          value=raw(key)[row], target=mapping[key])))
    values["install_year"] = np.floor(values["install_year"])
    _check_plausible(values, mapping, raw, pipes.fids, reported, blank_diameters)
    reported.sort(key=lambda item: (item[0], item[1]))
    findings.extend(finding for _, _, finding in reported)
    unknown = np.array([s is None for s in values["system"].tolist()], dtype=bool) & ~system_blank.astype(bool)
    first_rows: dict[str, int] = {}
    for row in np.flatnonzero(unknown).tolist():
        first_rows.setdefault(str(raw_system[row]), row)
    for text, row in first_rows.items():
        findings.append(make_finding(Check.UNKNOWN_SYSTEM, ids[row], int(pipes.fids[row]), value=text))
    return values


def blank_values(raw: np.ndarray) -> np.ndarray:
    """Which raw values are empty (None, NaN, blank text)."""
    if raw.dtype.kind == "f":
        return np.isnan(raw)
    if raw.dtype.kind in "iub":
        return np.zeros(len(raw), dtype=bool)
    return map_values(raw, is_null).astype(bool)


def diameter_unit(values: list, counts: Optional[list] = None) -> str:
    """The unit 'auto' reads a diameter column in: 'm' when the median of the positive sizes given
    without a unit is under 10, else 'mm'. ``values``: raw values (each ``counts`` times, or once).

    >>> diameter_unit([0.3, 0.5, "600mm", 0.4]), diameter_unit([300, 0.5, 400], [1, 1, 1])
    ('m', 'mm')
    """
    parsed = [parse_diameter(value) for value in values]
    sizes = np.array([np.nan if size is None or unit is not None else size for size, unit in parsed], dtype=float)
    weights = np.ones(len(sizes), dtype=np.int64) if counts is None else np.asarray(counts, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        positive = sizes > 0
    order = np.argsort(sizes[positive], kind="stable")
    sizes, weights = sizes[positive][order], weights[positive][order]
    if not weights.sum():
        return "mm"
    # the element at half the count in sorted order, each value repeated as often as it is given
    median = sizes[np.searchsorted(np.cumsum(weights), weights.sum() // 2, side="right")]
    return "m" if median < 10 else "mm"


def _diameters(raw: np.ndarray, unit: str) -> np.ndarray:
    """Diameters in mm; 'auto' takes metres when the median of values without a unit is < 10 (diameter_unit)."""
    codes, uniques = factorize(raw)
    parsed = [parse_diameter(u) for u in uniques] + [(None, None)]
    size = np.array([np.nan if s is None else s for s, _ in parsed], dtype=float)[codes]
    explicit = object_array([u for _, u in parsed])[codes]
    bare = np.array([u is None for u in explicit.tolist()], dtype=bool)
    if unit == "auto":
        unit = diameter_unit(list(uniques), np.bincount(codes[codes >= 0], minlength=len(uniques)).tolist())
    in_metres = (explicit == "m") | (bare & (unit == "m"))
    return np.where(in_metres, size * 1000.0, size)


def blank_diameters_finding(pipes: int, field: str) -> Finding:
    """The one finding of a diameter column empty on every one of the layer's ``pipes`` (not one per pipe)."""
    return make_finding(Check.MISSING_ATTRIBUTE, "(pipes layer)", None, value=f"all {pipes} pipes", target=field)


def _check_plausible(values: dict, mapping: dict, raw, fids: np.ndarray, reported: list,
                     blank_layer: Optional[bool] = None) -> None:
    ids = values["id"]
    if "diameter" in mapping:
        diameter = values["diameter"]
        blank = blank_values(raw("diameter"))
        for row in np.flatnonzero(np.isnan(diameter) & ~blank).tolist():
            reported.append((row, 10, make_finding(Check.UNPARSED_VALUE, ids[row], int(fids[row]),
                                                   value=raw("diameter")[row], target=mapping["diameter"])))
        if blank_layer if blank_layer is not None else bool(len(blank) and blank.all()):
            # a field empty in the whole layer: one finding, not one per pipe (made by who judged it)
            if blank_layer is None:
                reported.append((0, 10, blank_diameters_finding(len(blank), mapping["diameter"])))
        else:
            for row in np.flatnonzero(np.isnan(diameter) & blank).tolist():
                reported.append((row, 10, make_finding(Check.MISSING_ATTRIBUTE, ids[row], int(fids[row]),
                                                       target=mapping["diameter"])))
        with np.errstate(invalid="ignore"):
            bad = (diameter <= 0) | (diameter > MAX_DIAMETER_MM)
        for row in np.flatnonzero(bad).tolist():
            reported.append((row, 10, make_finding(Check.IMPLAUSIBLE_DIAMETER, ids[row], int(fids[row]),
                                                   value=round(float(diameter[row]), 1))))
    for order, key in enumerate(("up_depth", "down_depth"), start=11):
        depth = values[key]
        with np.errstate(invalid="ignore"):
            bad = (depth < 0) | (depth > MAX_DEPTH_M)
        for row in np.flatnonzero(bad).tolist():
            reported.append((row, order, make_finding(Check.IMPLAUSIBLE_DEPTH, ids[row], int(fids[row]),
                                                      value=round(float(depth[row]), 3), target=mapping[key])))
