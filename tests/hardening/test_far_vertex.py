"""A vertex typed 1e10: memory follows the data, not its extent, and the vertex is reported."""

import json

import numpy as np
import pytest

from pipenet.network.model import geometry
from pipenet.network.model.geometry import SegmentIndex, implausible_vertices

from .subprocess_run import run_python


def test_long_segments_are_found_as_short_ones(monkeypatch):
    rng = np.random.default_rng(3)
    lines = [rng.uniform(0, 2000, size=(3, 2)) for _ in range(60)] + [np.array([[0.0, 10.0], [1e6, 10.0]])]
    points = np.concatenate([rng.uniform(0, 2000, size=(300, 2)), [[5e5, 11.0], [7e5, 40.0]]])
    exclude = np.full(len(points), -1)
    short = SegmentIndex.of_polylines(lines, step=25.0)
    monkeypatch.setattr(geometry, "MAX_PIECES", 10)  # the 1e6 m segment (and some others) now "long"
    long = SegmentIndex.of_polylines(lines, step=25.0)
    assert len(long.long_segments) >= 1 and len(long.sample_segment) < len(short.sample_segment) / 10
    for radius in (2.0, 40.0):
        owner_a, gap_a = short.nearest_many(points, radius, exclude)
        owner_b, gap_b = long.nearest_many(points, radius, exclude)
        assert owner_a.tolist() == owner_b.tolist() and np.allclose(gap_a, gap_b)
        assert [short.near(p, radius) for p in points[-5:]] == [long.near(p, radius) for p in points[-5:]]
        for point, found in zip(points, long.candidates(points, radius)):
            assert set(short.near(point, radius)) <= found
    assert long.near((5e5, 11.0), 2.0) == {60: pytest.approx(1.0)}


def test_implausible_vertices_are_outliers_only():
    county = np.random.default_rng(1).uniform(0, 30_000, size=(1000, 2)) + (500_000, 3_400_000)
    assert not implausible_vertices(county).any()
    assert not implausible_vertices(county + 1e12).any()  # a whole layer far away is as given
    typed = county.copy()
    typed[7] = (1e10, 3_400_000)
    typed[9] = (5_000_000, 3_400_000)  # a digit too many
    typed[11] = (np.inf, 3_400_000)
    assert np.flatnonzero(implausible_vertices(typed)).tolist() == [7, 9, 11]


@pytest.mark.parametrize("far", [1e9, 1e10])
def test_far_vertex_builds_in_bounded_memory_and_is_reported(far):
    result = run_python(f"""
        import json, resource, time
        import geopandas
        from shapely.geometry import LineString
        from pipenet.network.api import build_network
        X0, Y0 = 500000.0, 3400000.0
        lines = [LineString([(X0 + i * 50, Y0), (X0 + i * 50 + 50, Y0)]) for i in range(200)]
        lines.append(LineString([(X0, Y0 + 10), (X0 + 30, Y0 + 10), ({far!r}, Y0 + 10)]))
        frame = geopandas.GeoDataFrame({{"pipe_id": [f"P{{i}}" for i in range(len(lines))]}}, geometry=lines,
                                       crs="EPSG:4549")
        network = build_network(frame)
        findings = network.findings_frame()
        far = findings[findings.check == "implausible_coordinate"]
        print(json.dumps([network.summary()["pipes"], far.feature_id.tolist(), far.value.tolist(),
                          far.geometry.x.tolist()]))
        """, memory_gb=2)
    assert result.returncode == 0, result.stderr[-2000:]
    pipes, ids, values, xs = json.loads(result.stdout.strip().splitlines()[-1])
    assert pipes == 201 and ids == ["P200"] and values == [f"({far:.12g}, 3400010)"]
    assert xs == [500000.0]  # on the pipe's first plausible vertex: the findings keep the data's extent
