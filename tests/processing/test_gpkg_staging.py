"""Staged values read back through the staging's own joins equal the plain columns, whatever their kind."""

import math
import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipenet.processing.outputs.gpkg_staging import Coded, ColumnChunks, Sparse, Staging, coded, listed


def staged_rows(staging: Staging) -> list[tuple]:
    """Every staged row, in feature id order, as the fill's SELECT gives them."""
    expressions, joins = staging.sources()
    with sqlite3.connect(":memory:") as connection:
        connection.execute("ATTACH DATABASE ? AS pipenet_stage", (staging.path,))
        selected = ", ".join(expressions[name] for name in staging.names)
        return connection.execute(f"SELECT {selected} FROM pipenet_stage.pipenet_values v{joins} "
                                  "ORDER BY v.pipenet_fid").fetchall()


def null(value):
    """What SQLite stores for a value (NaN is NULL)."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def stage(names, chunks) -> list[tuple]:
    rows = ColumnChunks(lambda: iter(chunks))
    count = sum(len(chunk[0]) for chunk in chunks)
    staging = Staging(names, np.arange(1, count + 1, dtype=np.int64))
    try:
        staging.stage(rows)
        assert [chunk for chunk in staging.chunks()] == [
            (first + 1, first + len(chunk[0])) for first, chunk in
            zip(np.cumsum([0] + [len(chunk[0]) for chunk in chunks]).tolist(), chunks)]
        return staged_rows(staging)
    finally:
        staging.close()


def plain(chunks) -> list[tuple]:
    return [tuple(null(value) for value in row[:-1]) for row in ColumnChunks(lambda: iter(chunks))]


def test_coded_sparse_and_plain_columns_stage_as_plain_ones():
    kinds = ["storm", "sewer", None]
    chunks = []
    for first in (0, 4):
        rows = np.arange(first, first + 4)
        chunks.append([
            [f"P{row}" for row in rows.tolist()],
            Coded(rows % 3 - (rows % 3 == 2) * 3, kinds),  # code -1: NULL
            Sparse(4, np.array([1, 3]) if first else np.array([0]), [2.5, "x"] if first else [7]),
            rows * 0.5,
            Coded(np.zeros(4, dtype=np.int64), [1]),
        ])
    staged = stage(["id", "kind", "score", "half", "part"], chunks)
    assert staged == plain(chunks)
    assert staged[0] == ("P0", "storm", 7, 0.0, 1) and staged[2] == ("P2", None, None, 1.0, 1)
    assert staged[5] == ("P5", None, 2.5, 2.5, 1) and staged[4][1] == "sewer" and staged[7][2] == "x"


def test_only_coded_or_only_sparse_columns():
    chunk = [Coded(np.array([0, 1, 0]), ["a", "b"]), Coded(np.array([1, 1, -1]), [10, 20])]
    assert stage(["letter", "number"], [chunk]) == [("a", 20), ("b", 20), ("a", None)]
    chunk = [Sparse(3, np.array([2]), [9.0])]
    assert stage(["only"], [chunk]) == [(None,), (None,), (9.0,)]


def test_coded_values_must_not_change_between_chunks():
    chunks = [[Coded(np.array([0]), ["a"])], [Coded(np.array([0]), ["b"])]]
    with pytest.raises(ValueError, match="changed its values"):
        stage(["letter"], chunks)


def test_listed_and_coded_round_trip():
    values = np.array(["b", None, "a", "b", float("nan")], dtype=object)
    column = coded(values)
    assert listed(column) == ["b", None, "a", "b", None]
    assert listed(column.take(np.array([3, 2]))) == ["b", "a"]
    assert listed(Sparse(3, np.array([1]), ["x"]))[1] == "x"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 3), st.integers(-1, 1), st.one_of(st.none(), st.floats(-5, 5)),
                          st.text(max_size=3)), min_size=1, max_size=60),
       st.integers(1, 7))
def test_any_rows_in_any_chunks(rows, chunk_size):
    systems, flags = ["storm", "sewer", "combined", "其他"], [0, 1]
    chunks = []
    for first in range(0, len(rows), chunk_size):
        part = rows[first:first + chunk_size]
        scores = [(at, row[2]) for at, row in enumerate(part) if row[2] is not None]
        chunks.append([
            Coded(np.array([row[0] for row in part]), systems),
            Coded(np.array([row[1] for row in part]), flags),
            Sparse(len(part), np.array([at for at, _ in scores], dtype=np.int64), [score for _, score in scores]),
            [row[3] for row in part],
        ])
    assert stage(["system", "flag", "score", "text"], chunks) == plain(chunks)


def test_staging_pauses_and_goes_on_where_it_stopped():
    chunks = [[Coded(np.array([0, 1]), ["a", "b"]), [1.0, 2.0]], [Coded(np.array([1]), ["a", "b"]), [3.0]],
              [Coded(np.array([0]), ["a", "b"]), [4.0]]]
    rows = ColumnChunks(lambda: iter(chunks))
    staging = Staging(["letter", "number"], np.arange(1, 5, dtype=np.int64))
    try:
        staging.stage(rows, until=lambda: True)  # pauses after the first chunk
        assert not staging.finished
        staging.stage(rows)
        assert staging.finished and list(staging.chunks()) == [(1, 2), (3, 3), (4, 4)]
        assert staged_rows(staging) == [("a", 1.0), ("b", 2.0), ("b", 3.0), ("a", 4.0)]
    finally:
        staging.close()


def test_coded_columns_beyond_one_key_are_staged_as_plain_values():
    values = [f"v{number}" for number in range(70_000)]  # four such columns: over 2^62 combinations
    chunk = [Coded(np.array([number, -1, 3]), values) for number in (0, 1, 2, 3)]
    assert stage(["a", "b", "c", "d"], [chunk]) == plain([chunk])
