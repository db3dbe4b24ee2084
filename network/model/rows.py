"""Graph attribute rows backed by shared columns: the dicts networkx sees, without a dict per pipe.

A built county has millions of pipes and nodes; a Python dict of 16 attributes per pipe costs
about 800 bytes and its creation dominates the build. ``Row`` is a mutable mapping over one
position of a ``Rows`` table of columns, so every networkx and PipeNet function reading
``data.get("diameter")`` works unchanged, and whole-network checks take the columns directly.

The networkx graph made from a table (tables.GraphTable.graph) holds these rows as its node and edge
data, so an edit through networkx reaches the columns the checks read. Plain dicts through networkx's
public add_nodes_from / add_edges_from were measured instead (issue #29): at 100x they took 3 to 4.4
times the memory (4.0-6.0 GB against 1.35 GB) and 2 to 15 times the time; tables.fill says why the
rows are put into the graph directly.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Callable, Iterator, Optional

import numpy as np

_MISSING = object()


def _float(value: Any) -> Optional[float]:
    value = float(value)
    return None if value != value else value


def _int(value: Any) -> Optional[int]:
    return None if value != value else int(value)


CONVERTERS: dict[str, Callable[[Any], Any]] = {"f": _float, "i": int, "u": int, "b": bool, "year": _int}


class Rows:
    """Named columns (numpy arrays or lists) of equal length, plus per-row extra attributes."""

    __slots__ = ("columns", "converters", "extra")

    def __init__(self, columns: dict[str, Any], converters: Optional[dict[str, str]] = None):
        self.columns = columns
        self.converters: dict[str, Callable[[Any], Any]] = {}
        for name, values in columns.items():
            kind = (converters or {}).get(name) or (values.dtype.kind if isinstance(values, np.ndarray) else "")
            if kind in CONVERTERS:
                self.converters[name] = CONVERTERS[kind]
        self.extra: dict[int, dict[str, Any]] = {}

    def row(self, index: int) -> Row:
        """The mapping view of one row."""
        return Row(self, index)

    def value(self, index: int, name: str, default: Any = None) -> Any:
        """``row(index).get(name, default)`` without making the row's view (checks ask it per finding)."""
        values = self.columns.get(name)
        if values is None:
            return self.extra.get(index, {}).get(name, default)
        value = values[index]
        if value is _MISSING:
            return default
        convert = self.converters.get(name)
        return convert(value) if convert is not None else value

    def column(self, name: str, indices: np.ndarray) -> Optional[np.ndarray]:
        """A column gathered at ``indices`` (None when the rows hold it as extras or it was edited)."""
        values = self.columns.get(name)
        if values is None or self.extra:
            return None
        if isinstance(values, np.ndarray):
            return values[indices]
        # a list column becomes an object array the first time it is gathered (rows read it alike)
        array = self.columns[name] = np.fromiter(values, dtype=object, count=len(values))
        return array[indices]

    def converters_special(self) -> set[str]:
        """Columns whose row values are not the plain Python value of their numpy type (e.g. years)."""
        plain = {CONVERTERS[kind] for kind in "fiub"}
        return {name for name, convert in self.converters.items() if convert not in plain}

    def _editable(self, name: str) -> list:
        """A column as a list of plain values, so that one row can change (rare: users, tests)."""
        values = self.columns[name]
        if isinstance(values, np.ndarray):
            convert = self.converters.pop(name, None)
            values = [convert(v) for v in values.tolist()] if convert else values.tolist()
            self.columns[name] = values
        return values


class Row(MutableMapping):
    """One row of a Rows table as a mutable mapping (what networkx keeps as an edge or node's data)."""

    __slots__ = ("rows", "index")

    def __init__(self, rows: Rows, index: int):
        self.rows = rows
        self.index = index

    def __getitem__(self, key: str) -> Any:
        values = self.rows.columns.get(key)
        if values is not None:
            value = values[self.index]
            if value is _MISSING:
                raise KeyError(key)
            convert = self.rows.converters.get(key)
            return convert(value) if convert is not None else value
        extra = self.rows.extra.get(self.index)
        if extra is not None and key in extra:
            return extra[key]
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __setitem__(self, key: str, value: Any) -> None:
        if key in self.rows.columns:
            self.rows._editable(key)[self.index] = value
        else:
            self.rows.extra.setdefault(self.index, {})[key] = value

    def __delitem__(self, key: str) -> None:
        if key in self.rows.columns:
            column = self.rows._editable(key)
            if column[self.index] is _MISSING:
                raise KeyError(key)
            column[self.index] = _MISSING
            return
        extra = self.rows.extra.get(self.index)
        if extra is None or key not in extra:
            raise KeyError(key)
        del extra[key]

    def __iter__(self) -> Iterator[str]:
        for name, values in self.rows.columns.items():
            if values[self.index] is not _MISSING:
                yield name
        yield from self.rows.extra.get(self.index, {})

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        values = self.rows.columns.get(key)  # type: ignore[arg-type]
        if values is not None:
            return values[self.index] is not _MISSING
        return key in self.rows.extra.get(self.index, {})

    def copy(self) -> dict:
        """A plain dict of the row (networkx copies graphs this way)."""
        return dict(self.items())

    def __copy__(self) -> dict:
        return self.copy()

    def __deepcopy__(self, memo) -> dict:
        import copy

        return copy.deepcopy(self.copy(), memo)

    def __reduce__(self):
        return dict, (self.copy(),)

    def __repr__(self) -> str:
        return repr(self.copy())
