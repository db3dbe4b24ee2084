"""Columns, WKB decoding and the array helpers the build runs on."""

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipenet.network.io import arrow
from pipenet.network.io.arrow import WkbColumn, decode_lines, decode_points, distinct_rows
from pipenet.network.model.columns import (
    along,
    factorize,
    group_starts,
    midpoints,
    occurrence,
    ranges,
    running_sums,
    vertex_at_or_before,
)
from pipenet.network.model.geometry import SegmentIndex, point_at_half
from pipenet.network.model.tables import fill

ogr = pytest.importorskip("osgeo.ogr")


def wkb(text, big_endian=False):
    geometry = ogr.CreateGeometryFromWkt(text)
    order = ogr.wkbXDR if big_endian else ogr.wkbNDR
    return bytes(geometry.ExportToIsoWkb(order))


def test_decode_lines_every_kind():
    blobs = [
        wkb("LINESTRING (0 0, 10 0)"),
        None,
        wkb("LINESTRING Z (0 0 5, 10 0 6, 10 10 7)"),
        wkb("LINESTRING M (1 1 5, 2 2 6)"),
        wkb("LINESTRING ZM (3 3 1 2, 4 4 1 2)"),
        wkb("MULTILINESTRING ((5 5, 6 6))"),
        wkb("MULTILINESTRING ((7 7, 8 8), (9 9, 10 10, 11 11))"),
        wkb("LINESTRING EMPTY"),
        wkb("LINESTRING (0 0, 1 1)", big_endian=True),
        wkb("CIRCULARSTRING (0 0, 1 1, 2 0)"),
    ]
    part_feature, part_number, offsets, xy = decode_lines(blobs)
    assert part_feature.tolist() == [0, 2, 3, 4, 5, 6, 6, 8, 9]
    assert part_number.tolist() == [1, 1, 1, 1, 1, 1, 2, 1, 1]
    parts = [xy[a:b].tolist() for a, b in zip(offsets[:-1], offsets[1:])]
    assert parts[:8] == [[[0, 0], [10, 0]], [[0, 0], [10, 0], [10, 10]], [[1, 1], [2, 2]], [[3, 3], [4, 4]],
                         [[5, 5], [6, 6]], [[7, 7], [8, 8]], [[9, 9], [10, 10], [11, 11]], [[0, 0], [1, 1]]]
    arc = np.array(parts[8])
    assert len(arc) > 3 and np.allclose(arc[0], [0, 0]) and np.allclose(arc[-1], [2, 0])  # segmentised


def test_decode_lines_matches_ogr_on_random_lines():
    rng = np.random.default_rng(3)
    texts = []
    for _ in range(200):
        count = int(rng.integers(2, 7))
        coords = rng.uniform(-1e6, 1e6, size=(count, 2))
        texts.append("LINESTRING (" + ", ".join(f"{x!r} {y!r}" for x, y in coords) + ")")
    _, _, offsets, xy = decode_lines([wkb(t) for t in texts])
    for text, a, b in zip(texts, offsets[:-1], offsets[1:]):
        assert np.array_equal(xy[a:b], np.array(ogr.CreateGeometryFromWkt(text).GetPoints())[:, :2])


def test_fixed_width_geometry_chunks_decode_as_their_blobs():
    """GDAL gives a geometry column whose blobs all have one size as a fixed-width array (masked where
    null): it is decoded from those bytes as they are, the same as from a list of blobs."""
    lines = [wkb(f"LINESTRING ({i} 0, {i} {i + 1})") for i in range(5)]
    fixed = np.frombuffer(b"".join(lines), dtype=f"V{len(lines[0])}")
    masked = np.ma.masked_array(fixed.copy(), mask=[False, True, False, False, False])
    varying = np.array([lines[0], None, wkb("LINESTRING (7 7, 8 8, 9 9)")], dtype=object)
    column = WkbColumn.of_chunks([fixed, masked, varying])
    listed = lines + [lines[0], None, *lines[2:]] + [lines[0], None, wkb("LINESTRING (7 7, 8 8, 9 9)")]
    assert len(column) == 13 and [column[row] for row in range(13)] == listed
    for ours, theirs in zip(decode_lines(column), decode_lines(listed)):
        assert np.array_equal(ours, theirs)
    assert decode_lines(column)[0].tolist() == [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12]


@pytest.mark.parametrize("collide", [False, True])
def test_distinct_rows_of_fixed_width_text(monkeypatch, collide):
    """Hashed 8-byte words number the distinct values; a hash shared by different values (forced
    here) falls back to sorting, with the same answer."""
    rng = np.random.default_rng(5)
    words = np.array(["钢筋混凝土".encode(), b"PVC-U", b"", b"HDPE", b"PVC-U\x00", "球墨铸铁管材".encode()],
                     dtype="S18")
    data = words[rng.integers(0, len(words), 3000)]
    if collide:
        monkeypatch.setattr(arrow, "_number", lambda values: np.zeros(len(values), dtype=np.int64))
    first, code = distinct_rows(data)
    assert np.array_equal(data[first][code], data)  # every row is its value's first row
    assert len(first) == len(set(data.tolist())) == 5  # b"PVC-U\x00" is b"PVC-U" to numpy
    assert (first == np.sort(first)).all() or collide
    text = arrow._decoded(data)
    assert text.tolist() == [value.decode() for value in data.tolist()]


def test_decode_points():
    blobs = [wkb("POINT (1 2)"), None, wkb("POINT Z (3 4 5)"), wkb("MULTIPOINT ((6 7), (8 9))"), wkb("POINT EMPTY")]
    xy = decode_points(blobs)
    assert xy[[0, 2, 3]].tolist() == [[1, 2], [3, 4], [6, 7]]
    assert np.isnan(xy[[1, 4]]).all()


def test_factorize_and_occurrence():
    values = np.array(["b", None, "a", "b", float("nan"), 1, 1.0], dtype=object)
    codes, distinct = factorize(values)
    assert codes.tolist() == [0, -1, 1, 0, -1, 2, 2] and distinct == ["b", "a", 1]
    rank, size = occurrence(np.array(["x", "y", "x", "x"], dtype=object))
    assert rank.tolist() == [0, 0, 1, 2] and size.tolist() == [3, 1, 3, 3]
    rank, size = occurrence(np.array(["x", "y", "z"], dtype=object))  # all distinct: the quick way
    assert rank.tolist() == [0, 0, 0] and size.tolist() == [1, 1, 1]
    rank, size = occurrence(np.array(["x", None, None], dtype=object))  # missing values rank apart
    assert rank.tolist() == [0, 0, 0] and size.tolist() == [1, 1, 1]
    assert factorize(np.array([3, 1, 3]))[0].tolist() == [0, 1, 0]


@pytest.mark.parametrize("kind", ["distinct", "one repeated", "one missing", "numbers"])
def test_occurrence_of_ids_takes_the_set_shortcut_with_the_same_answer(kind):
    values = [f"YS{i:05d}" for i in range(5000)]
    if kind == "one repeated":
        values[4000] = values[17]
    elif kind == "one missing":
        values[123] = None
    elif kind == "numbers":
        values = [float(i) for i in range(4999)] + [7]  # 7 == 7.0: a repeat for both ways
    values = np.array(values, dtype=object)
    for ours, plain in zip(occurrence(values, ids=True), occurrence(values)):
        assert ours.tolist() == plain.tolist()
    assert occurrence(values, ids=True)[0].sum() == (1 if kind in ("one repeated", "numbers") else 0)


def test_ranges_handle_empty_groups():
    assert group_starts(np.array([2, 0, 3])).tolist() == [0, 2, 2]
    assert ranges(np.array([10, 20, 30]), np.array([2, 0, 1])).tolist() == [10, 11, 30]
    assert ranges(np.empty(0, int), np.empty(0, int)).tolist() == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-10 ** 9, 10 ** 9), st.integers(0, 6)), max_size=40))
def test_ranges_are_each_range_concatenated(pairs):
    starts, sizes = np.array([p[0] for p in pairs], dtype=np.int64), np.array([p[1] for p in pairs], dtype=np.int64)
    expected = [start + step for start, size in pairs for step in range(size)]
    assert ranges(starts, sizes).tolist() == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(st.floats(-100, 100), st.floats(-100, 100)), min_size=1, max_size=6),
                min_size=1, max_size=8))
def test_midpoints_equal_point_at_half(lines):
    sizes = [len(line) for line in lines]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    xy = np.array([p for line in lines for p in line], dtype=float)
    expected = np.array([point_at_half(line) for line in lines])
    assert np.allclose(midpoints(xy, offsets), expected, atol=1e-6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.floats(0, 1e6), max_size=7), max_size=10))
def test_running_sums_are_each_ranges_own_cumsum(groups):
    values = np.array([v for group in groups for v in group], dtype=float)
    offsets = np.concatenate([[0], np.cumsum([len(group) for group in groups])]).astype(np.int64)
    expected = [v for group in groups for v in np.cumsum(np.array(group, dtype=float)).tolist()]
    assert running_sums(values, offsets).tolist() == expected  # bit for bit


def test_a_parts_length_and_midpoint_do_not_depend_on_the_parts_before_it():
    # a nation's metres before it: a running sum over the layer would round this pipe's length at 1e-7 m
    pipe = np.array([[500_000.1, 3_300_000.7], [500_003.3, 3_300_010.9], [500_020.05, 3_300_011.3]])
    long_before = np.array([[0.0, 0.0], [0.0, 1.0e9], [0.3, 1.0e9 + 0.7]])
    alone = along(pipe, np.array([0, 3]))
    after = along(np.concatenate([long_before, pipe]), np.array([0, 3, 6]))
    assert after[3:].tolist() == alone.tolist()
    assert midpoints(np.concatenate([long_before, pipe]), np.array([0, 3, 6]))[1].tolist() == \
        midpoints(pipe, np.array([0, 3]))[0].tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.lists(st.floats(0, 50), min_size=1, max_size=6), st.floats(0, 300)),
                min_size=1, max_size=8))
def test_vertex_at_or_before_is_each_parts_searchsorted(parts):
    distance = [np.cumsum([0.0] + steps[1:]) for steps, _ in parts]
    offsets = np.concatenate([[0], np.cumsum([len(d) for d in distance])]).astype(np.int64)
    target = np.array([t for _, t in parts])
    expected = [int(offsets[i] + np.searchsorted(d, t, side="right") - 1)
                for i, (d, t) in enumerate(zip(distance, target))]
    found = vertex_at_or_before(np.concatenate(distance), offsets, np.arange(len(parts)), target)
    assert found.tolist() == expected


def test_segment_index_nearest_many_skips_the_excluded_owner():
    index = SegmentIndex.of_polylines([np.array([[0, 0], [100, 0]]), np.array([[0, 3], [100, 3]]),
                                       np.array([[0, 50], [1, 50]])], step=5.0)
    owner, distance = index.nearest_many(np.array([[50.0, 1.0], [50.0, 1.0], [0.0, 40.0]]), 5.0,
                                         np.array([0, 1, -1]))
    assert owner.tolist() == [1, 0, -1]
    assert distance[:2].tolist() == pytest.approx([2.0, 1.0])


def test_fill_builds_the_graph_networkx_builds():
    nodes = [("A", {"x": 0}), ("B", {"x": 1}), ("C", {"x": 2})]
    edges = [("A", "B", "P1", {"length": 1.0}), ("A", "B", "P2", {"length": 2.0}), ("B", "C", "P3", {}),
             ("C", "C", "P4", {})]
    filled = nx.MultiDiGraph()
    fill(filled, nodes, iter(edges))
    reference = nx.MultiDiGraph()
    reference.add_nodes_from(nodes)
    reference.add_edges_from(edges)
    assert list(filled.nodes(data=True)) == list(reference.nodes(data=True))
    assert list(filled.edges(keys=True, data=True)) == list(reference.edges(keys=True, data=True))
    assert list(filled.in_edges("B", keys=True)) == list(reference.in_edges("B", keys=True))
    filled.remove_edge("A", "B", key="P1")  # networkx's own methods keep working on it
    assert filled.number_of_edges("A", "B") == 1 and list(filled.predecessors("B")) == ["A"]
    assert nx.descendants(filled, "A") == {"B", "C"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), min_size=1, max_size=5),
                min_size=2, max_size=6), st.floats(0.1, 2.0))
def test_inside_many_equals_one_by_one(lines, tolerance):
    from pipenet.network.build.topology import _inside, inside_many

    arrays = [np.array(line, dtype=float) for line in lines]
    offsets = np.concatenate([[0], np.cumsum([len(a) for a in arrays])])
    xy = np.concatenate(arrays)
    pairs = [(a, b) for a in range(len(arrays)) for b in range(len(arrays)) if a != b]
    found = inside_many(xy, offsets, np.array([a for a, _ in pairs]), np.array([b for _, b in pairs]), tolerance)
    assert found.tolist() == [bool(_inside(arrays[a], arrays[b], tolerance)) for a, b in pairs]


def test_min_matrix_keeps_the_smallest_of_repeated_cells():
    import numpy as np

    from pipenet.network.model.tables import min_matrix

    matrix = min_matrix(np.array([0, 0, 2, 0, 1]), np.array([1, 1, 0, 1, 2]),
                        np.array([5.0, 2.0, 7.0, np.nan, 0.0]), 3)
    assert matrix.toarray().tolist() == [[0.0, 2.0, 0.0], [0.0, 0.0, 0.0], [7.0, 0.0, 0.0]]
    assert matrix.nnz == 3  # the zero-length step stays an edge
    assert min_matrix(np.array([], int), np.array([], int), np.array([]), 2).nnz == 0


def test_node_numbers_of_a_list_column_equal_the_rows_values():
    from pipenet.network.model.rows import Rows
    from pipenet.network.model.tables import GraphTable

    rows = Rows({"fid": [4, None, 7, 2], "x": np.array([1.0, 2.0, 3.0, 4.0])})
    table = GraphTable.from_columns(["a", "b", "c", "d"], [], np.empty(0, dtype=np.int64),
                                    np.empty(0, dtype=np.int64), rows, Rows({}))
    expected = [np.nan if rows.row(i).get("fid") is None else rows.row(i).get("fid") for i in range(4)]
    np.testing.assert_array_equal(table.node_numbers("fid"), expected)
    del rows.row(2)["fid"]  # a deleted value reads as missing, as Row.get gives it
    np.testing.assert_array_equal(table.node_numbers("fid"), [4.0, np.nan, np.nan, 2.0])


def test_part_coords_arrays_of_every_part_in_order_are_not_copied():
    from pipenet.network.model.columns import PartCoords

    xy = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0], [6.0, 5.0], [7.0, 5.0]])
    coords = PartCoords(["a", "b"], xy, np.array([0, 2, 5]))
    every, offsets = coords.arrays(np.arange(2))
    assert every is xy and offsets.tolist() == [0, 2, 5]
    swapped, offsets = coords.arrays(np.array([1, 0]))
    assert swapped.tolist() == xy[[2, 3, 4, 0, 1]].tolist() and offsets.tolist() == [0, 3, 5]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["P1", " P2", "P3 ", "", "\u3000污水", "\t", "a\x00 b", "\x00", "中 文"]),
                          st.text(max_size=4)), max_size=8))
def test_id_texts_are_stripped_or_none_whether_or_not_any_needs_it(values):
    from pipenet.network.build.attributes import id_texts

    column = np.empty(len(values), dtype=object)
    column[:] = values
    stripped = id_texts(column)
    assert stripped.tolist() == [value.strip() or None for value in values]
    assert stripped is not column  # the layer's own column is never handed on to be changed


def test_the_whitespace_list_is_what_strip_strips():
    from pipenet.network.build.attributes import _SPACES

    assert _SPACES == "".join(character for character in map(chr, range(0x110000)) if character.isspace())


def test_a_rows_value_is_what_its_row_gives():
    from pipenet.network.model.rows import _MISSING, Rows

    rows = Rows({"fid": [4, None, _MISSING], "year": np.array([1998.0, np.nan, 2003.0]),
                 "kind": np.array(["a", "b", "c"], dtype=object)}, converters={"year": "year"})
    rows.row(1)["note"] = "moved"  # an extra attribute of one row
    rows.row(0)["note"] = None
    for index in range(3):
        for name in ("fid", "year", "kind", "note", "absent"):
            assert rows.value(index, name, "default") == rows.row(index).get(name, "default"), (index, name)


def test_a_tables_factorized_column_is_made_once_and_follows_edits():
    from pipenet.network.model.rows import Rows
    from pipenet.network.model.tables import GraphTable

    rows = Rows({"system": ["storm", None, "sanitary", "storm"]})
    nodes = Rows({"type": np.array(["inlet", "manhole"], dtype=object)})
    table = GraphTable.from_columns(["a", "b"], ["P1", "P2", "P3", "P4"], np.array([0, 0, 1, 1]),
                                    np.array([1, 1, 0, 0]), nodes, rows)
    codes, distinct = table.edge_codes("system")
    assert (codes.tolist(), distinct) == ([0, -1, 1, 0], ["storm", "sanitary"])
    assert table.edge_codes("system")[0] is table.edge_codes("system")[0]  # made once (a list column: once gathered)
    assert not codes.flags.writeable  # shared by every caller
    rows.row(1)["system"] = "combined"  # an edit: the column is remade
    assert table.edge_codes("system")[0].tolist() == [0, 1, 2, 0]
    assert table.node_codes("type")[1] == ["inlet", "manhole"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=False, allow_infinity=True),
                          st.integers(-10 ** 7, 10 ** 7).map(lambda cm: cm / 100),  # ties, as sums of lengths make
                          st.integers(-10 ** 9, 10 ** 9).map(lambda mm: mm / 2000)), max_size=50), st.integers(0, 3))
def test_rounded_is_pythons_round(values, digits):
    from pipenet.network.model.columns import rounded

    assert rounded(np.array(values, dtype=float), digits).tolist() == [round(value, digits) for value in values]


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=60), st.booleans())
def test_unique_pairs_are_numpys_unique_rows(pairs, negative):
    from pipenet.network.model.columns import unique_pairs

    pairs = np.array(pairs, dtype=np.int64).reshape(-1, 2) - (20 if negative else 0)
    expected = np.unique(pairs, axis=0) if len(pairs) else np.empty((0, 2), dtype=np.int64)
    np.testing.assert_array_equal(unique_pairs(pairs[:, 0], pairs[:, 1]), expected)


@pytest.mark.parametrize("node_ids", [["J1", "J2"], ["J1", "J1"]])  # unique, and not
def test_positions_tell_the_ids_given_from_the_ids_found(node_ids):
    from pipenet.network.build.attributes import NodeTable
    from pipenet.network.model.columns import object_array

    table = NodeTable(object_array(node_ids), np.arange(2), np.zeros((2, 2)), {})
    given: list = []
    found = table.positions(object_array(["J2", None, "J9", float("nan")]), object_array(["J1"]), given=given)
    assert [column.tolist() for column in given] == [[True, False, True, True], [True]]
    assert found[0].tolist()[:3] == [1 if node_ids[1] == "J2" else -1, -1, -1] and found[1].tolist() == [0]
    given = []
    table.positions(object_array(["J2", "J1"]), given=given)
    assert given[0].tolist() == [True, True]
