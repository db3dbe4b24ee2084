import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from osgeo import ogr

from pipenet.network.io.wkb import multilinestring_wkb

coordinate = st.floats(-1e7, 1e7, allow_nan=False)
line = st.lists(st.tuples(coordinate, coordinate), min_size=2, max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(line, max_size=12), st.integers(0, 3))
def test_multilinestring_wkb_is_what_ogr_makes_of_the_parts(lines, skipped):
    # the parts as a slice of a larger vertex array, as the network's coordinates hold them
    xy = np.array([[9.0, 9.0]] * skipped + [point for part in lines for point in part], dtype=float).reshape(-1, 2)
    offsets = skipped + np.concatenate([[0], np.cumsum([len(part) for part in lines])]).astype(np.int64)
    expected = ogr.Geometry(ogr.wkbMultiLineString)
    for part in lines:
        piece = ogr.Geometry(ogr.wkbLineString)
        for x, y in part:
            piece.AddPoint_2D(x, y)
        expected.AddGeometry(piece)
    assert multilinestring_wkb(xy, offsets) == bytes(expected.ExportToIsoWkb(ogr.wkbNDR))


@settings(max_examples=60, deadline=None)
@given(st.lists(line, min_size=1, max_size=12), st.data())
def test_several_multilinestrings_at_once_equal_each_made_alone(lines, data):
    from pipenet.network.io.wkb import multilinestrings_wkb

    xy = np.array([point for part in lines for point in part], dtype=float).reshape(-1, 2)
    offsets = np.concatenate([[0], np.cumsum([len(part) for part in lines])]).astype(np.int64)
    cuts = sorted(set(data.draw(st.lists(st.integers(1, len(lines)), max_size=5))))
    starts = np.array([0] + cuts, dtype=np.int64)  # a cut at the end leaves an empty group
    buffer, bounds = multilinestrings_wkb(xy, offsets, starts)
    ends = np.append(starts[1:], len(lines))
    assert len(bounds) == len(starts) + 1 and bounds[-1] == len(buffer)
    for group, (first, last) in enumerate(zip(starts.tolist(), ends.tolist())):
        alone = multilinestring_wkb(xy, offsets[first:last + 1]) if last > first else \
            bytes(ogr.Geometry(ogr.wkbMultiLineString).ExportToIsoWkb(ogr.wkbNDR))
        assert buffer[bounds[group]:bounds[group + 1]] == alone
