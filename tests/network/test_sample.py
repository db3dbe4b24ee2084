"""The sample generator: deterministic, the size asked for, and every injected fault found (recall)."""

from collections import Counter

import pytest

from pipenet.network import build_network
from pipenet.network.checks.idde import outfall_sources
from pipenet.network.io.frames import read_layer
from pipenet.network.sample import generate, write_gpkg

CHECKED_ELSEWHERE = {"hotspot", "overflow_hotspot"}  # hotspot analysis (condition scores) is separate


def test_deterministic_and_sized():
    first, again = generate(km=20, seed=7), generate(km=20, seed=7)
    assert [p["coords"] for p in first.pipes] == [p["coords"] for p in again.pipes]
    assert first.truth == again.truth
    assert 15 < first.length_km < 25
    assert generate(km=20, seed=8).pipes[0]["coords"] != first.pipes[0]["coords"]
    lengths = [p["length"] for p in first.pipes if not p["id"].endswith("D") and "X" not in p["id"][-6:]]
    assert 20 <= min(lengths) and max(lengths) <= 85


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    sample = generate(km=20, seed=1)
    path = tmp_path_factory.mktemp("sample") / "sample.gpkg"
    write_gpkg(sample, str(path), chinese=True)
    return sample, str(path)


def test_gpkg_layers_have_chinese_fields(small_sample):
    _, path = small_sample
    pipes, nodes = read_layer(path, "pipes"), read_layer(path, "nodes")
    assert {"管线编号", "起点点号", "终点点号", "管径", "起点埋深"} <= set(pipes.columns)
    assert {"物探点号", "附属物", "地面高程"} <= set(nodes.columns)
    assert pipes.crs.to_epsg() == 4549
    for layer in ("defects", "events", "truth"):
        assert len(read_layer(path, layer)) > 0


def test_every_injected_fault_is_found(small_sample):
    sample, path = small_sample
    network = build_network(read_layer(path, "pipes"), read_layer(path, "nodes"))
    findings = network.findings + network.hydraulic_checks() + network.illicit_connections().findings
    found = {(f.check, f.feature_id) for f in findings}
    missed, kinds = [], Counter()
    for truth in sample.truth:
        if truth["check"] in CHECKED_ELSEWHERE:
            continue
        kinds[truth["check"]] += 1
        if truth["check"] == "outfallsources":
            search = outfall_sources(network.graph, truth["feature_id"], network.pipe_coords)
            ok = truth["value"] in [c.node for c in search.candidates]
        else:
            ok = (truth["check"], truth["feature_id"]) in found
        if not ok:
            missed.append(truth)
    assert missed == []
    assert set(kinds) >= {"near_miss", "snapped_gap", "dangling_end", "duplicate_pipe", "reverse_slope",
                          "diameter_decrease", "cross_connection", "outfallsources"}
    injected = {(t["check"], t["feature_id"]) for t in sample.truth}
    false_positives = Counter(f.check for f in findings if (f.check, f.feature_id) not in injected
                              and f.severity != "info")
    print("recall 100 %; findings not injected (consequences of faults, or false positives):",
          dict(false_positives))


def test_a_built_network_keeps_none_of_the_attribute_columns_it_was_given(small_sample):
    import sys

    from pipenet.network import BuildOptions
    from pipenet.network.build.builder import build_network as build_from_columns
    from pipenet.network.io.arrow import read_columns

    _, path = small_sample
    pipes, nodes = read_columns(path, "pipes", "line")[0], read_columns(path, "nodes", "point")[0]
    from_id = pipes.attrs["起点点号"][3]
    held = sys.getrefcount(from_id)
    network = build_from_columns(pipes, nodes, BuildOptions(release_attributes=True))
    del pipes, nodes
    # the columns read were the only other holders: the lazily made results must not keep them
    assert sys.getrefcount(from_id) == held - 1
    assert network.pipe_results and network.node_ids  # still made on demand


def test_the_audit_calls_checked_and_hot_once_each_in_their_places(small_sample):
    from pipenet.network.audit import run_audit
    from pipenet.network.model.records import Progress

    sample, path = small_sample
    network = build_network(read_layer(path, "pipes"), read_layer(path, "nodes"))
    events = read_layer(path, "events")
    points = [(point.x, point.y, 1.0) for point in events.geometry]

    class Recorded(Progress):
        def __init__(self):
            self.percents = []

        def set_progress(self, percent: float) -> None:
            self.percents.append(percent)

    progress, calls, hot = Recorded(), [], []
    result = run_audit(network, events=points, progress=progress, checked=lambda: calls.append(list(progress.percents)),
                       hot=lambda breakage, overflow: hot.append((list(progress.percents), breakage, overflow)))
    # after every whole-network check (progress 40), before the hotspots (55 and on)
    assert len(calls) == 1 and calls[0][-1] == 40 and max(calls[0]) == 40
    assert result.summary["overflow_hotspot_pipes"] > 0 and progress.percents[-1] == 100
    # with the hotspots found (85), before the risk register (100)
    assert len(hot) == 1 and hot[0][0][-1] == 85 and max(hot[0][0]) == 85
    assert not hot[0][1] and hot[0][2] is result.overflow


def upstream_pipe_count(sample, pipe_id):
    """Pipes whose water passes through ``pipe_id`` in the sample as generated (from/to ids), itself included."""
    into: dict = {}
    for pipe in sample.pipes:
        into.setdefault(pipe["to"], []).append(pipe)
    start = next(p for p in sample.pipes if p["id"] == pipe_id)
    seen, stack = {pipe_id}, [start["from"]]
    while stack:
        for pipe in into.get(stack.pop(), []):
            if pipe["id"] not in seen:
                seen.add(pipe["id"])
                stack.append(pipe["from"])
    return len(seen)


def no_outlet_of(network) -> dict:
    return {f.feature_id: int(f.value) for f in network.components().findings if f.check == "no_outlet"}


@pytest.mark.parametrize("names", ["survey", "us_mh"])
def test_no_outlet_is_exactly_what_a_gap_cuts_off(small_sample, names):
    """The sample's injected faults (reverse slopes, near misses, small gaps, dangles) cut nothing off:
    a reverse slope is a sag water still flows through, and the from/to ids join the gaps. Deleting
    a pipe (a real gap in the survey) cuts off exactly the pipes whose water passed through it, and
    that part is one finding naming its size. The same with us_mh / ds_mh / mh_type field names."""
    sample, path = small_sample
    pipes, nodes = read_layer(path, "pipes"), read_layer(path, "nodes")
    if names == "us_mh":
        pipes = pipes.rename(columns={"起点点号": "us_mh", "终点点号": "ds_mh", "起点管底高程": "us_il",
                                      "终点管底高程": "ds_il"})
        nodes = nodes.rename(columns={"物探点号": "mh_id", "附属物": "mh_type"})
    network = build_network(pipes, nodes)
    if names == "us_mh":
        assert network.pipe_mapping["from_node"] == "us_mh" and network.node_mapping["type"] == "mh_type"
    assert no_outlet_of(network) == {}
    reversed_pipes = {t["feature_id"] for t in sample.truth if t["check"] == "reverse_slope"}
    assert reversed_pipes <= {f.feature_id for f in network.hydraulic_checks() if f.check == "reverse_slope"}
    for gap in sorted(reversed_pipes):
        upstream = upstream_pipe_count(sample, gap)
        found = no_outlet_of(build_network(pipes[pipes["管线编号"] != gap], nodes))
        assert len(found) == 1 and sum(found.values()) == upstream - 1, gap  # the deleted pipe itself is gone


@pytest.mark.parametrize("km, seed", [(20, 1), (100, 2)])
def test_sewage_reaches_exactly_the_injected_outfalls_and_a_true_source_ranks_first(tmp_path, km, seed):
    """Typed outlets only: sewage let into the storm system by the injected cross connections is
    reported at the storm outfalls they drain to and at no dead end on the way, and the outfall-source
    ranking (IDDE) puts one of the true sources first at each of those outfalls."""
    sample = generate(km=km, seed=seed)
    path = str(tmp_path / "sample.gpkg")
    write_gpkg(sample, path)
    network = build_network(read_layer(path, "pipes"), read_layer(path, "nodes"))
    truth = [t for t in sample.truth if t["check"] == "outfallsources"]
    outfalls = {t["feature_id"] for t in truth}
    reached = {f.value for f in network.illicit_connections().findings if f.check == "sewage_to_storm_outfall"}
    assert reached == outfalls and outfalls
    for outfall in sorted(outfalls):
        ranked = [c.node for c in outfall_sources(network.graph, outfall, network.pipe_coords).candidates]
        assert ranked and ranked[0] in {t["value"] for t in truth if t["feature_id"] == outfall}, outfall
