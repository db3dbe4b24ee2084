"""Every model link is an edge in the model's own from -> to direction (issue 28 items 2-4).

The reference is the model text itself: the links' from/to node ids read by a few lines of plain
Python below (not PipeNet's reader), and the ancestors of each outfall computed by networkx.
"""

from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from pipenet.network.build.builder import build_network
from pipenet.network.checks.hydraulics import hydraulic_checks
from pipenet.network.checks.trace import trace
from pipenet.network.io.swmm import read_swmm

DATA = Path(__file__).resolve().parents[1] / "data"
MODELS = [DATA / "bellinge" / "bellinge_small.inp", DATA / "models" / "pyswmm_model_lids.inp",
          DATA / "models" / "pyswmm_model_weir_setting.inp", DATA / "models" / "pyswmm_model_storage_pump.inp",
          DATA / "models" / "coincident_links.inp", DATA / "models" / "edge_cases_us.inp"]
LINK_SECTIONS = {"CONDUITS", "PUMPS", "ORIFICES", "WEIRS", "OUTLETS"}


def model_text_graph(path: Path) -> tuple[nx.MultiDiGraph, list[str]]:
    """The links (from -> to, keyed by name) and outfalls of a SWMM .inp, read straight from its text."""
    graph, outfalls, section = nx.MultiDiGraph(), [], None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.split(";", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            section = line.strip("[]").upper()
            continue
        fields = line.split()
        if section in LINK_SECTIONS:
            graph.add_edge(fields[1], fields[2], key=fields[0])
        elif section == "OUTFALLS":
            outfalls.append(fields[0])
    return graph, outfalls


def built(path: Path):
    return build_network(*read_swmm(str(path)).layers())


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_every_link_is_an_edge_in_the_models_direction(path):
    reference, _ = model_text_graph(path)
    network = built(path)
    edges = {key: (u, v) for u, v, key in network.graph.edges(keys=True)}
    assert edges == {key: (u, v) for u, v, key in reference.edges(keys=True)}


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_upstream_trace_of_each_outfall_equals_the_models_ancestors(path):
    reference, outfalls = model_text_graph(path)
    network = built(path)
    assert outfalls
    for outfall in outfalls:
        above = nx.ancestors(reference, outfall) | {outfall}
        expected = {key for _, v, key in reference.in_edges(above, keys=True) if v in above}
        assert set(trace(network.graph, outfall).pipes) == expected


def test_links_drawn_at_one_place_stay_with_their_length():
    network = built(DATA / "models" / "coincident_links.inp")
    table = network.table()
    length = dict(zip(table.keys, table.edge_numbers("length").tolist()))
    # the short conduit's model length; the orifice and the weir have none (drawn length 0)
    assert length["C4"] == 2.5 and length["OR1"] == 0.0 and length["W1"] == 0.0
    assert not [f for f in network.findings if f.check in ("zero_length", "self_loop")]
    assert set(trace(network.graph, "O1").pipes) == {"C1", "C2", "C3", "C4", "OR1", "W1"}


def test_the_models_direction_wins_over_adverse_inverts():
    network = built(DATA / "models" / "coincident_links.inp")
    table = network.table()
    row = table.keys.index("C2")
    assert (table.names[table.source[row]], table.names[table.target[row]]) == ("J2", "J3")
    assert table.edge_values("direction_source")[row] == "ids"
    assert [(f.feature_id, f.value) for f in network.findings if f.check == "direction_conflict"] == [("C2", "0.3")]
    reverse = [(f.feature_id, f.value) for f in hydraulic_checks(network.graph) if f.check == "reverse_slope"]
    assert reverse == [("C2", "0.3")]
    assert Counter(table.edge_values("direction_source")) == {"ids": 6}


def test_us_units_model_lengths_are_metres():
    network = built(DATA / "models" / "edge_cases_us.inp")
    table = network.table()
    length = dict(zip(table.keys, table.edge_numbers("length").tolist()))
    # 400 ft and 300 ft of conduit, whatever the model's coordinates (feet, no CRS) draw
    assert length["C1"] == pytest.approx(121.92) and length["C2"] == pytest.approx(91.44)
    assert table.edge_numbers("diameter")[table.keys.index("C1")] == pytest.approx(457.2)


def test_a_sag_keeps_the_networks_direction_and_cuts_nothing():
    """Lines drawn A -> B -> C -> O (an outfall), no from/to ids: B-C's inverts rise (9.0 at B, 9.3 at
    C), a sag. The inverts alone would turn B-C to run into B and leave A and B with no outlet."""
    from pipenet.network.model.records import LayerData, NodeRecord, PipeRecord

    nodes = LayerData("nodes", ["id", "type"], [
        NodeRecord(fid, xy, {"id": name, "type": kind}) for fid, (name, xy, kind) in enumerate(
            [("A", (0, 0), "manhole"), ("B", (50, 0), "manhole"), ("C", (100, 0), "manhole"),
             ("O", (150, 0), "outfall")], start=1)])
    pipes = LayerData("pipes", ["id", "up_invert", "down_invert", "system"], [
        PipeRecord(fid, [[start, end]], {"id": name, "up_invert": up, "down_invert": down, "system": "storm"})
        for fid, (name, start, end, up, down) in enumerate(
            [("AB", (0, 0), (50, 0), 10.0, 9.5), ("BC", (50, 0), (100, 0), 9.0, 9.3),
             ("CO", (100, 0), (150, 0), 9.2, 9.0)], start=1)])
    network = build_network(pipes, nodes)
    edges = {key: (u, v, data) for u, v, key, data in network.graph.edges(keys=True, data=True)}
    assert edges["BC"][:2] == ("B", "C") and edges["BC"][2]["direction_source"] == "network"
    assert edges["AB"][2]["direction_source"] == "invert"
    findings = hydraulic_checks(network.graph)
    assert [(f.feature_id, f.value) for f in findings if f.check == "reverse_slope"] == [("BC", "0.3")]
    assert [f.feature_id for f in network.findings if f.check == "direction_conflict"] == ["BC"]
    components = network.components()
    assert [f for f in components.findings if f.check == "no_outlet"] == []
    assert components.outlets == {"O": "outfall"}


def test_us_units_are_logged_and_epanet_lengths_are_metres():
    from pipenet.network.io.epanet import read_epanet

    assert any("US units (FLOW_UNITS CFS)" in w for w in read_swmm(str(DATA / "models" / "edge_cases_us.inp")).warnings)
    model = read_epanet(str(DATA / "models" / "wntr_Net3.inp"))
    assert any("US units (UNITS GPM)" in w for w in model.warnings)
    network = build_network(*model.layers())
    table = network.table()
    row = table.keys.index("101")  # [PIPES] 101  10  101  14200 ft, 18 in
    assert table.edge_numbers("length")[row] == pytest.approx(14200 * 0.3048)
    assert table.edge_numbers("diameter")[row] == pytest.approx(18 * 25.4)
