"""CJJ 181 and PACP scores against hand computation; Gi* against an independent implementation; risk."""

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipenet.network.hotspots.lixels import make_lixels
from pipenet.network.hotspots.statistics import getis_ord, hotspot_class, hotspots, neighbour_counts
from pipenet.network.scoring.condition import Defect, quick_rating, score_pipe, split_code
from pipenet.network.scoring.risk import pipe_risk


def test_cjj181_structural_by_hand():
    # PL grade 3 (5) at 2 m, TJ grade 2 (2) at 3.2 m (1.2 m after: alpha 1.1), CK grade 4 (10) at 20 m
    defects = [Defect("P", "PL", 3, 2.0), Defect("P", "TJ", 2, 3.2), Defect("P", "CK", 4, 20.0)]
    condition = score_pipe("P", defects, pipe_length=40.0, diameter_mm=1200)
    s = (5 + 1.1 * 2 + 10) / 3
    assert condition.S == pytest.approx(round(s, 3))
    assert condition.F == 10.0 and condition.structural_grade == "Ⅳ"
    assert condition.SM == pytest.approx(round((5 * 1 + 1.1 * 2 * 1 + 10 * 1) / (s * 40.0), 3))
    assert condition.RI == pytest.approx(0.7 * 10 + 0.05 * 6)
    assert condition.repair_grade == "Ⅳ"  # 7.3 > 7


def test_cjj181_merge_and_functional():
    condition = score_pipe("P", [Defect("P", "CJ", 2, 5.0), Defect("P", "CJ", 3, 5.5), Defect("P", "SG", 1, 30.0)],
                           pipe_length=50.0)
    # the two deposits under 1 m apart count once, with the higher score (5)
    assert condition.Y == pytest.approx(round((5 + 0.5) / 2, 3)) and condition.G == 5.0
    assert condition.functional_grade == "Ⅲ" and condition.MI == pytest.approx(4.0)
    assert condition.S == 0 and condition.structural_grade == "Ⅰ"


def test_pacp_ratings_and_unknown_codes():
    defects = [Defect("P", "F", 4), Defect("P", "JO", 2), Defect("P", "DAE", 3), Defect("P", "ZZ", 1)]
    condition = score_pipe("P", defects)
    assert (condition.pacp_structural, condition.pacp_om, condition.pacp_overall) == (6, 3, 9)
    assert condition.pacp_index == 3.0 and condition.quick_rating == "4131"
    assert condition.unknown == ["ZZ"]
    assert split_code("PL-3") == ("PL", 3) and quick_rating([1, 1]) == "1200"


def chain(count=30, length=50.0):
    graph = nx.MultiDiGraph()
    coords = {}
    for i in range(count):
        key = f"P{i}"
        graph.add_edge(f"N{i}", f"N{i + 1}", key=key, length=length, reversed=False)
        coords[key] = [(i * length, 0.0), ((i + 1) * length, 0.0)]
    return graph, coords


def brute_force_gi(lixels, counts, distance):
    graph = nx.Graph()
    for a, items in enumerate(lixels.neighbours):
        graph.add_node(a)
        for b, step in items:
            graph.add_edge(a, b, weight=step)
    lengths = dict(nx.all_pairs_dijkstra_path_length(graph))
    n = len(lixels.pipe)
    x = np.array([counts.get(i, 0.0) for i in range(n)])
    mean, s = x.mean(), math.sqrt((x ** 2).mean() - x.mean() ** 2)
    z = []
    for i in range(n):
        w = np.array([1.0 if lengths[i].get(j, math.inf) <= distance else 0.0 for j in range(n)])
        numerator = (w * x).sum() - mean * w.sum()
        z.append(numerator / (s * math.sqrt((n * (w ** 2).sum() - w.sum() ** 2) / (n - 1))))
    return np.array(z)


def test_getis_ord_matches_an_independent_computation():
    graph, coords = chain()
    lixels = make_lixels(graph, coords, 25.0)
    counts = {10: 3.0, 11: 4.0, 12: 5.0, 40: 1.0}
    z, p = getis_ord(lixels, counts, 120.0)
    assert z == pytest.approx(brute_force_gi(lixels, counts, 120.0), abs=1e-9)
    assert p[11] == pytest.approx(math.erfc(abs(z[11]) / math.sqrt(2)))


def test_neighbour_counts_in_chunks_on_threads_equal_one_pass():
    graph, coords = chain()
    whole = neighbour_counts(make_lixels(graph, coords, 25.0), 120.0, chunk=10 ** 6)
    chunked = neighbour_counts(make_lixels(graph, coords, 25.0), 120.0, chunk=7)  # many chunks, threads
    assert len(whole) > 20 and chunked.tolist() == whole.tolist()


def test_clustered_events_are_hot_and_clean_pipes_are_not():
    graph, coords = chain(60)
    events = [("P10", 10.0 + k, 1.0) for k in range(6)] + [("P11", 20.0, 1.0), ("P9", 30.0, 1.0), ("P45", 5.0, 1.0)]
    result = hotspots(graph, coords, events_on_pipes=events, lixel_length=50.0, bandwidth=150.0,
                      neighbour_distance=100.0)
    assert result["P10"].hot_class == "hot 99%" and result["P10"].events == 6
    assert result["P30"].hot_class == "not significant" and result["P10"].density > result["P45"].density > 0
    assert hotspot_class(-2.0) == "cold 95%"


def test_points_snap_to_their_pipe():
    graph, coords = chain(10)
    result = hotspots(graph, coords, event_points=[(260.0, 3.0, 1.0)] * 5, snap_distance=10.0)
    assert result["P5"].events == 5


def test_risk_classes_and_missing_data():
    low = pipe_risk("Ⅰ", 2020, "HDPE", 0, 300, 0, 10000, "storm")
    high = pipe_risk("Ⅳ", 1980, "砼", 7, 1500, 10000, 10000, "sanitary")
    assert low.risk_class == "low" and high.risk_class == "very high"
    unknown = pipe_risk(None, None, None, 0, None, 0, 0, None)
    assert low.likelihood < unknown.likelihood < high.likelihood
    assert "structural grade Ⅳ" in high.reasons


def test_risk_of_a_whole_network_equals_pipe_by_pipe_scoring():
    """risk_many (array scoring of the audit) gives exactly pipe_risk's answer for every pipe."""
    from pipenet.network.scoring.risk import RiskWeights, risk_many

    rng = np.random.default_rng(7)
    count = 3000
    grades = rng.choice(["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", None], count).tolist()
    years = [None if v < 1950 else int(v) for v in rng.integers(1940, 2026, count)]
    materials = rng.choice(["砼", "PVC", "球墨铸铁", "brick", None, "unknown"], count).tolist()
    defects = rng.integers(0, 12, count).tolist()
    diameters = [None if v < 250 else float(v) for v in rng.choice([200, 300, 600, 1000, 1500, 2000], count)]
    upstream = (rng.random(count) * 30000).tolist()
    systems = rng.choice(["storm", "sanitary", "combined", None, "water"], count).tolist()
    keys = [f"P{i}" for i in range(count)]
    weights = RiskWeights(current_year=2030, service_life_years=40)
    register = risk_many(keys, grades, years, materials, defects, diameters, upstream, systems, weights)
    most = max(upstream)
    expected = {key: pipe_risk(g, y, m, d, dn, up, most, s, weights)
                for key, g, y, m, d, dn, up, s in zip(keys, grades, years, materials, defects, diameters, upstream,
                                                      systems)}
    assert dict(register) == expected
    assert register.class_counts() == {name: sum(1 for r in expected.values() if r.risk_class == name)
                                       for name in ("very high", "high", "medium", "low")}
    assert register.ranked(50) == sorted(expected.items(), key=lambda item: -item[1].risk)[:50]
    assert register.risk_classes(np.arange(count)) == [expected[key].risk_class for key in keys]
    # the reasons, written out by hand
    by_hand = [([f"structural grade {g}"] if g in ("Ⅲ", "Ⅳ") else [])
               + ([f"installed {y}"] if y and 2030 - y > 32 else [])
               + ([f"DN{dn:.0f}"] if dn and dn >= 1000 else []) for g, y, dn in zip(grades, years, diameters)]
    # a pipe with no grade, year, material or defect at all (and no other reason) says so
    by_hand = [reasons or (["no condition / install year / material / defects data"]
                           if g is None and y is None and m is None and d == 0 else [])
               for reasons, g, y, m, d in zip(by_hand, grades, years, materials, defects)]
    assert [register.reasons(row) for row in range(count)] == by_hand
    codes, texts = register.reason_text_codes()
    assert [texts[code] for code in codes.tolist()] == [", ".join(reasons) for reasons in by_hand]
    assert len(texts) <= len({tuple(reasons) for reasons in by_hand}) + 1  # one text per combination met
    assert any(len(reasons) == 3 for reasons in by_hand)


def test_hotspot_classes_at_once_equal_one_at_a_time():
    from pipenet.network.hotspots.statistics import hotspot_class, hotspot_classes

    z = np.concatenate([np.random.default_rng(5).normal(0, 2, 2000), [2.576, -1.96, 1.645, 0.0, np.nan]])
    assert hotspot_classes(z) == [None if v != v else hotspot_class(v) for v in z.tolist()]


@pytest.mark.parametrize("per_strip", [10_000, 50])  # all points at once, and in four strips
def test_points_go_to_the_piece_a_point_by_point_search_gives(monkeypatch, per_strip):
    """assign_points (array search) against measuring every pipe for every point."""
    from pipenet.network.hotspots import lixels as lixels_module
    from pipenet.network.hotspots.lixels import assign_points
    from pipenet.network.model.geometry import point_segment_distance

    monkeypatch.setattr(lixels_module, "POINTS_PER_STRIP", per_strip)

    rng = np.random.default_rng(3)
    graph, coords = nx.MultiDiGraph(), {}
    for number in range(60):
        start = rng.random(2) * 1000
        line = np.cumsum(np.vstack([start, rng.normal(0, 40, (int(rng.integers(1, 5)), 2))]), axis=0)
        key = f"P{number}"
        coords[key] = [tuple(v) for v in line]
        length = float(np.hypot(*np.diff(line, axis=0).T).sum())
        graph.add_edge(f"A{number}", f"B{number}", key=key, length=length)
    lixels = make_lixels(graph, coords, 25.0)
    points = rng.random((400, 2)) * 1000
    found = assign_points(lixels, coords, [tuple(p) for p in points], 30.0)
    for point, piece in zip(points, found):
        best = None
        for key, line in coords.items():
            line = np.asarray(line)
            gaps = point_segment_distance(point, line[:-1], line[1:])
            if gaps.min() <= 30.0 and (best is None or gaps.min() < best[0]):
                segment = int(np.argmin(gaps))
                direction = line[segment + 1] - line[segment]
                ratio = np.clip(np.dot(point - line[segment], direction) / np.dot(direction, direction), 0, 1)
                along_line = np.hypot(*np.diff(line[:segment + 1], axis=0).T).sum() + ratio * np.hypot(*direction)
                best = (gaps.min(), key, along_line)
        expected = None if best is None else lixels.piece(best[1], best[2])
        assert piece == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(st.floats(-300, 300), st.floats(-300, 300)), min_size=2, max_size=4),
                min_size=1, max_size=12),
       st.lists(st.tuples(st.floats(-300, 300), st.floats(-300, 300)), min_size=1, max_size=6),
       st.floats(0.5, 60))
def test_pipes_near_keeps_every_line_within_reach_of_a_point(lines, points, distance):
    """The prefilter of event placement may keep far lines, never drop a near one."""
    from pipenet.network.hotspots.lixels import pipes_near
    from pipenet.network.model.geometry import point_segment_distance

    xy = np.array([vertex for line in lines for vertex in line], dtype=float)
    offsets = np.concatenate([[0], np.cumsum([len(line) for line in lines])])
    kept = set(pipes_near(xy, offsets, np.array(points, dtype=float), distance).tolist())
    for number, line in enumerate(lines):
        vertices = np.array(line, dtype=float)
        gap = min(float(point_segment_distance(np.array(point), vertices[:-1], vertices[1:]).min())
                  for point in points)
        if gap <= distance:
            assert number in kept


@pytest.mark.parametrize("bandwidth, neighbour_distance", [(120.0, 120.0), (150.0, 80.0), (60.0, 120.0)])
def test_pairs_searched_once_give_what_each_search_gives(bandwidth, neighbour_distance):
    from pipenet.network.hotspots.statistics import event_pairs, kernel_density

    graph, coords = chain()
    lixels = make_lixels(graph, coords, 25.0)
    counts = {12: 5.0, 10: 3.0, 40: 1.0, 11: 4.0}  # not in piece order
    pairs = event_pairs(lixels, counts, max(bandwidth, neighbour_distance))
    assert kernel_density(lixels, counts, bandwidth, pairs=pairs) == pytest.approx(
        kernel_density(lixels, counts, bandwidth), abs=1e-12)
    shared, own = getis_ord(lixels, counts, neighbour_distance, pairs=pairs), getis_ord(lixels, counts,
                                                                                         neighbour_distance)
    assert shared[0].tolist() == own[0].tolist()
    assert getis_ord(lixels, counts, neighbour_distance)[0] == pytest.approx(
        brute_force_gi(lixels, counts, neighbour_distance), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(1.0, 400.0), min_size=1, max_size=8),
       st.lists(st.tuples(st.integers(0, 9), st.one_of(st.floats(-50.0, 450.0), st.sampled_from(
           [0.0, 25.0, 50.0, 100.0, 150.0, math.nan, math.inf, -math.inf]))), max_size=40))
def test_pieces_at_once_equal_piece_by_piece(lengths, events):
    graph, coords = nx.MultiDiGraph(), {}
    x = 0.0
    for number, length in enumerate(lengths):
        graph.add_edge(f"N{number}", f"N{number + 1}", key=f"P{number}", length=length, reversed=False)
        coords[f"P{number}"] = [(x, 0.0), (x + length, 0.0)]
        x += length
    lixels = make_lixels(graph, coords, 25.0)
    ids = [f"P{pipe}" for pipe, _ in events]  # P8, P9 ... may be missing
    at_once = lixels.pieces(ids, [distance for _, distance in events]).tolist()
    one_by_one = [lixels.piece(pipe_id, distance) for pipe_id, (_, distance) in zip(ids, events)]
    assert at_once == [-1 if piece is None else piece for piece in one_by_one]


def test_a_distance_just_short_of_a_piece_is_on_the_piece_before():
    # 80.2… m in four pieces: 60.155… / 20.05… rounds up to 3.0, yet piece 3 starts a hair beyond it
    graph = nx.MultiDiGraph()
    graph.add_edge("A", "B", key="P", length=80.20670475919287, reversed=False)
    lixels = make_lixels(graph, {"P": [(0.0, 0.0), (80.20670475919287, 0.0)]}, 25.0)
    assert lixels.start[3] > 60.15502856939465 and 60.15502856939465 / lixels.size[3] >= 3.0
    assert lixels.piece("P", 60.15502856939465) == 2 and lixels.pieces(["P"], [60.15502856939465]).tolist() == [2]


def test_a_risk_register_with_nothing_to_rank_by_says_so():
    from pipenet.network.scoring.risk import risk_many

    keys = ["P1", "P2", "P3"]
    bare = risk_many(keys, [None] * 3, [None] * 3, [None] * 3, [0] * 3, [None] * 3, [0.0, 10.0, 30.0],
                     [None] * 3)
    assert bare.missing == ["condition", "install year", "material", "defects", "diameter"]
    assert "ranks by consequence only (upstream length and system)" in bare.note
    assert all(bare.reasons(row) == ["no condition / install year / material / defects data"] for row in range(3))
    dated = risk_many(keys, [None] * 3, [1980, 2000, None], [None] * 3, [0] * 3, [None] * 3, [0.0] * 3, [None] * 3)
    assert dated.note == "" and "install year" not in dated.missing


def test_an_audit_without_risk_data_says_so_once():
    from pipenet.network import LayerData, PipeRecord, build_network
    from pipenet.network.audit import run_audit

    pipes = LayerData("pipes", ["id"], [PipeRecord(i, [[(i * 10.0, 0.0), (i * 10.0 + 10.0, 0.0)]], {"id": f"P{i}"})
                                        for i in range(5)])
    result = run_audit(build_network(pipes))
    assert [f.value for f in result.findings if f.check == "risk_no_data"] == [
        "condition, install year, material, defects, diameter"]
    assert "ranks by consequence only" in result.summary["risk_note"]
    assert all(reasons for reasons in (result.risk.reasons(row) for row in range(5)))
