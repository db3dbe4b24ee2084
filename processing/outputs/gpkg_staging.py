"""Values to write, staged a chunk at a time in a private SQLite file that SQLite copies from.

Binding a Python value into SQLite costs ~0.1 µs, and a county's pipes output has 80 million of
them. Two kinds of column bind less: a column of few distinct values (``Coded``: codes into its
values) and a column with values on few rows (``Sparse``). All coded columns of a row are staged
as one integer, a key into a table of the value combinations met; sparse columns go to a table
of the rows that have them. The copy joins both back (``Staging.sources``).
"""

from __future__ import annotations

import os
import queue
import shutil
import sqlite3
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Optional

import numpy as np

from ...network.model.columns import factorize
from .atomic import staging_folder
from .gpkg_rtree import quoted

MISSING = float("nan")  # a value to write as NULL: Python's sqlite3 binds NaN 4x faster than None


@dataclass
class Coded:
    """A column of few distinct values: per row an index into ``values`` (-1: NULL).

    Every chunk of a column gives the same ``values``.
    """

    codes: np.ndarray
    values: list

    def __len__(self) -> int:
        return len(self.codes)

    def tolist(self) -> list:
        """The values of the rows."""
        return self.array().tolist()

    def array(self) -> np.ndarray:
        """The values of the rows as an object array."""
        return np.asarray(list(self.values) + [None], dtype=object)[self.codes]

    def distinct(self) -> set:
        """The values the rows hold (None when some row has none)."""
        present = np.unique(self.codes)
        return {None if code < 0 else self.values[code] for code in present.tolist()}

    def take(self, rows: np.ndarray) -> Coded:
        """The column of some rows only (a chunk)."""
        return Coded(self.codes[rows], self.values)


@dataclass
class Sparse:
    """A column with values on a few rows only (``positions`` in the chunk, ascending); NULL elsewhere."""

    length: int
    positions: np.ndarray
    values: list

    def __len__(self) -> int:
        return self.length

    def tolist(self) -> list:
        """The values of the rows, MISSING on rows without one."""
        column = [MISSING] * self.length
        for position, value in zip(self.positions.tolist(), self.values):
            column[position] = value
        return column


def listed(column) -> list:
    """A chunk's column as a plain list of values (codes and sparse columns spelled out)."""
    return column.tolist() if isinstance(column, (np.ndarray, Coded, Sparse)) else list(column)


class ColumnChunks:
    """The pn_ values of rows 1, 2 ... as columns, a chunk of consecutive rows at a time.

    ``chunks()`` yields lists of columns (numpy arrays, lists, ``Coded`` or ``Sparse``, one value
    per row); iterating gives rows (values, then the output feature id) for writers that take
    rows. A missing value is None or, in a column of any type, ``MISSING`` (NaN): SQLite stores
    NaN as NULL.
    """

    def __init__(self, chunks: Callable[[], Iterable[list]]):
        self.chunks = chunks

    @classmethod
    def of_rows(cls, rows: list) -> ColumnChunks:
        """One chunk from rows of values followed by their feature ids 1, 2 ... (the id dropped)."""
        columns = [list(column) for column in zip(*rows)][:-1]
        return cls(lambda: iter([columns] if rows else []))

    def __iter__(self) -> Iterator[tuple]:
        feature_id = 1
        for chunk in self.chunks():
            columns = [listed(column) for column in chunk]
            count = len(columns[0]) if columns else 0
            yield from zip(*columns, range(feature_id, feature_id + count))
            feature_id += count


def insert_columns(connection: sqlite3.Connection, table: str, names: list[str], columns: list[list],
                   rows_per_statement: int = 8) -> None:
    """Insert rows given as columns, in order (numbered 1, 2 ... as they come: feature ids).

    Several rows per INSERT: a statement's per-row work (stepping, resetting) costs more than
    binding a value; 8 rows per statement bind a county's staged values ~25 % faster. Each
    statement's values are one tuple zip makes from the columns sliced with a step, in C.
    """
    count = len(columns[0]) if columns else 0
    per = max(1, min(rows_per_statement, 900 // max(1, len(names))))  # within SQLite's 999 values
    row = f"({', '.join('?' * len(names))})"
    insert = f"INSERT INTO {quoted(table)} ({', '.join(map(quoted, names))}) VALUES "
    whole = count // per * per
    if whole:
        connection.executemany(insert + ", ".join([row] * per),
                               zip(*[column[offset:whole:per] for offset in range(per) for column in columns]))
    if whole < count:
        connection.executemany(insert + row, zip(*[column[whole:] for column in columns]))


class _Layout:
    """Which staged names are plain, coded or sparse: decided by the first chunk's column types."""

    def __init__(self, names: list[str], chunk: Optional[list]):
        kinds = [type(column) if isinstance(column, (Coded, Sparse)) else None for column in (chunk or [])]
        kinds += [None] * (len(names) - len(kinds))
        combinations = 1
        for at, kind in enumerate(kinds):
            if kind is Coded:  # each code takes one more value (NULL) in the key
                combinations *= len(chunk[at].values) + 1
                if combinations >= 2 ** 62:  # no room left in one key: staged as plain values
                    kinds[at] = None
                    combinations //= len(chunk[at].values) + 1
        self.plain = [at for at, kind in enumerate(kinds) if kind is None]
        self.coded = [at for at, kind in enumerate(kinds) if kind is Coded]
        self.sparse = [at for at, kind in enumerate(kinds) if kind is Sparse]
        self.values = [list(chunk[at].values) for at in self.coded]
        sizes = [len(values) + 1 for values in self.values]  # the last code: NULL
        self.radix = np.cumprod([1] + sizes[:-1]).astype(np.int64) if sizes else np.zeros(0, dtype=np.int64)

    def key(self, chunk: list) -> np.ndarray:
        """Per row, the key of its coded values' combination."""
        key = np.zeros(len(chunk[self.coded[0]]), dtype=np.int64)
        for at, values, radix in zip(self.coded, self.values, self.radix.tolist()):
            column = chunk[at]
            if not isinstance(column, Coded) or list(column.values) != values:
                raise ValueError("a coded column changed its values between chunks")
            codes = np.asarray(column.codes, dtype=np.int64)
            key += np.where(codes < 0, len(values), codes) * radix
        return key

    def combinations(self, keys: np.ndarray) -> list[list]:
        """The coded values of each key, as columns."""
        return [np.asarray(values + [None], dtype=object)[keys // radix % (len(values) + 1)].tolist()
                for values, radix in zip(self.values, self.radix.tolist())]


class Staging:
    """The values of output features 1, 2 ... staged in a private SQLite file (WAL mode), from which
    ``gpkg_insert.Insert.fill`` copies them into the output (gpkg_points stages whole point rows
    the same way).

    ``stage`` binds the values (in the caller's thread: binding Python values holds Python's lock)
    a chunk at a time and hands each committed chunk to the fill, which may run in another thread
    at the same time (SQLite's copy runs without Python's lock) or later: a county's nodes are
    staged while its pipes are still being copied into the same GeoPackage. A file, not the
    connection's memory, also keeps hundreds of MB of values out of the process's memory.
    """

    def __init__(self, names: list[str], source_fids: np.ndarray):
        self.names, self.count = names, len(source_fids)
        self.in_order = bool(np.array_equal(source_fids, np.arange(1, self.count + 1)))
        self.layout: Optional[_Layout] = None  # known once the first chunk is staged
        self.finished = False
        self._pending: Optional[Iterator[list]] = None  # the chunks still to stage
        self._staged, self._combinations = 0, set()
        self.folder = staging_folder()  # named by this process; a killed run's are removed (atomic.py)
        self.path = os.path.join(self.folder, "values.sqlite")
        self._chunks: queue.Queue = queue.Queue()
        try:
            # closed by ``stage`` or, if staging never runs, by ``close`` (maybe in another thread)
            self._connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._prepare(source_fids)
        except BaseException:
            if hasattr(self, "_connection"):
                self._connection.close()
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def _prepare(self, source_fids: np.ndarray) -> None:
        connection = self._connection
        connection.execute("PRAGMA synchronous = OFF")  # a throw-away file (first: the switch to WAL syncs)
        connection.execute("PRAGMA journal_mode = WAL")  # the fill reads what is committed meanwhile
        if not self.in_order:  # output feature n is not source feature n (features deleted, ids given)
            connection.execute("CREATE TABLE pipenet_fids (pipenet_fid INTEGER PRIMARY KEY, source_fid)")
            connection.execute("BEGIN")
            connection.executemany("INSERT INTO pipenet_fids VALUES (?, ?)",
                                   zip(range(1, self.count + 1), source_fids.tolist()))
            connection.execute("COMMIT")

    def _create_tables(self, layout: _Layout) -> None:
        names = [quoted(self.names[at]) + ", " for at in layout.plain]
        key = "pipenet_key, " if layout.coded else ""
        self._connection.execute(f"CREATE TABLE pipenet_values ({''.join(names)}{key}pipenet_fid INTEGER PRIMARY KEY)")
        if layout.coded:
            self._connection.execute(f"CREATE TABLE pipenet_combinations (pipenet_key INTEGER PRIMARY KEY"
                                     f"{''.join(', ' + quoted(self.names[at]) for at in layout.coded)})")
        if layout.sparse:
            self._connection.execute(f"CREATE TABLE pipenet_sparse (pipenet_fid INTEGER PRIMARY KEY"
                                     f"{''.join(', ' + quoted(self.names[at]) for at in layout.sparse)})")

    def stage(self, rows: ColumnChunks, until: Callable[[], bool] = lambda: False) -> None:
        """Stage the values a chunk at a time (a fill already running copies each chunk as it comes).

        When ``until()`` turns true after a chunk, staging pauses; the next call goes on from there.
        ``finished`` tells whether every chunk is staged.
        """
        if self._pending is None:
            self._pending = iter(rows.chunks())
        try:
            for chunk in self._pending:
                if self.layout is None:
                    self.layout = _Layout(self.names, chunk)
                    self._create_tables(self.layout)
                count = len(chunk[0]) if chunk else 0
                self._connection.execute("BEGIN")
                self._stage_chunk(chunk, self._staged, count, self._combinations)
                self._connection.execute("COMMIT")
                self._chunks.put((self._staged + 1, self._staged + count))
                self._staged += count
                if until():
                    return
            if self.layout is None:
                self.layout = _Layout(self.names, None)
                self._create_tables(self.layout)
        except BaseException:
            self._chunks.put(RuntimeError("staging stopped"))
            self._connection.close()
            raise
        self.finished = True
        self._connection.close()
        self._chunks.put(None)

    def _stage_chunk(self, chunk: list, staged: int, count: int, combinations: set[int]) -> None:
        layout, connection = self.layout, self._connection
        columns = [listed(chunk[at]) for at in layout.plain]
        names = [self.names[at] for at in layout.plain]
        if layout.coded:
            keys = layout.key(chunk)
            met = np.unique(keys)
            new = met[~np.isin(met, np.fromiter(combinations, dtype=np.int64, count=len(combinations)))]
            if len(new):
                insert_columns(connection, "pipenet_combinations",
                               ["pipenet_key"] + [self.names[at] for at in layout.coded],
                               [new.tolist(), *layout.combinations(new)])
                combinations.update(new.tolist())
            columns.append(keys.tolist())
            names.append("pipenet_key")
        if not layout.plain and not layout.coded:  # rows are numbered by their insert: they must exist
            columns, names = [[None] * count], ["pipenet_fid"]
        insert_columns(connection, "pipenet_values", names, columns)
        if layout.sparse:
            parts = [chunk[at] for at in layout.sparse]
            if not all(isinstance(part, Sparse) for part in parts):
                raise ValueError("a sparse column changed its kind between chunks")
            positions = np.unique(np.concatenate([part.positions for part in parts])) if parts else []
            sparse = [[(staged + 1 + position) for position in positions.tolist()]]
            for part in parts:
                column = [MISSING] * len(positions)
                for at, value in zip(np.searchsorted(positions, part.positions).tolist(), part.values):
                    column[at] = value
                sparse.append(column)
            insert_columns(connection, "pipenet_sparse",
                           ["pipenet_fid"] + [self.names[at] for at in layout.sparse], sparse)

    def sources(self) -> tuple[dict[str, str], str]:
        """Per staged name the SQL expression of its value, and the joins that give them after the
        staged rows ``v`` (once staging began; call after the first chunk)."""
        layout = self.layout
        expressions = {self.names[at]: f"v.{quoted(self.names[at])}" for at in layout.plain}
        expressions.update({self.names[at]: f"c.{quoted(self.names[at])}" for at in layout.coded})
        expressions.update({self.names[at]: f"p.{quoted(self.names[at])}" for at in layout.sparse})
        joins = ""
        if layout.coded:
            joins += " LEFT JOIN pipenet_stage.pipenet_combinations c ON c.pipenet_key = v.pipenet_key"
        if layout.sparse:
            joins += " LEFT JOIN pipenet_stage.pipenet_sparse p ON p.pipenet_fid = v.pipenet_fid"
        return expressions, joins

    def chunks(self) -> Iterator[tuple[int, int]]:
        """(first, last) feature id of each staged chunk, waiting for each (any thread)."""
        while True:
            chunk = self._chunks.get()
            if isinstance(chunk, BaseException):
                raise chunk
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        """Close the staging file and remove it."""
        self._connection.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def coded(values) -> Coded:
    """``values`` (None or NaN: NULL) as a ``Coded`` column; slice its codes for chunks of it.

    ``values`` may also be given factorized already: (codes, distinct values), as ``factorize``
    gives them (GraphTable.edge_codes)."""
    if isinstance(values, tuple):
        codes, distinct = values
    else:
        codes, distinct = factorize(values if isinstance(values, np.ndarray) else np.array(values, dtype=object))
    return Coded(small_codes(codes, len(distinct)), distinct)


def small_codes(codes: np.ndarray, count: int) -> np.ndarray:
    """Codes in the smallest integer type that holds them (a county's columns of codes add up)."""
    return codes.astype(np.int8 if count < 2 ** 7 else np.int16 if count < 2 ** 15 else np.int32
                        if count < 2 ** 31 else np.int64)
