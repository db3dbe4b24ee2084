"""SWMM and EPANET .inp readers on the real Bellinge model and on hand-written edge cases."""

from pathlib import Path

import pytest

from pipenet.network.io.epanet import read_epanet
from pipenet.network.io.inp import ModelFileError
from pipenet.network.io.swmm import read_swmm

DATA = Path(__file__).resolve().parents[1] / "data"


def test_bellinge_counts_and_inverts():
    model = read_swmm(str(DATA / "bellinge" / "bellinge_small.inp"))
    conduits = [link for link in model.links if link["link_type"] == "conduit"]
    assert len(conduits) == 15 and len(model.nodes) == 16
    kinds = {node["node_type"] for node in model.nodes}
    assert kinds == {"storage", "outfall"}
    link = next(link for link in conduits if link["name"] == "G72F820_G72F810_l1")
    assert link["diameter"] == 350.0
    assert link["up_invert"] == pytest.approx(23.369 + 0.0001)
    assert link["down_invert"] == pytest.approx(22.879 + 0.0001)
    node = next(node for node in model.nodes if node["name"] == "G72F820")
    assert node["ground_elev"] == pytest.approx(23.369 + 2.76)


def test_us_units_tabs_vertices_elevation_offsets_and_unknown_sections():
    model = read_swmm(str(DATA / "models" / "edge_cases_us.inp"))
    links = {link["name"]: link for link in model.links}
    assert set(links) == {"C1", "C2", "P1"}
    assert links["C1"]["length"] == pytest.approx(400 * 0.3048)
    assert links["C1"]["diameter"] == pytest.approx(1.5 * 304.8)
    assert links["C1"]["up_invert"] == pytest.approx(100.5 * 0.3048)  # ELEVATION offsets
    assert links["C1"]["coords"] == [(0.0, 0.0), (200.0, 50.0), (400.0, 0.0)]
    assert links["P1"]["link_type"] == "pump"
    assert any("MY_CUSTOM_SECTION" in warning for warning in model.warnings)


def test_truncated_model_names_the_line():
    with pytest.raises(ModelFileError, match=r"truncated.inp, line 5: \[CONDUITS\] row needs 7 values"):
        read_swmm(str(DATA / "models" / "truncated.inp"))


def test_not_a_model_and_bad_numbers(tmp_path):
    text = tmp_path / "notes.inp"
    text.write_text("hello\n", encoding="utf-8")
    with pytest.raises(ModelFileError, match="line 1: text before the first"):
        read_swmm(str(text))
    bad = tmp_path / "bad.inp"
    bad.write_text("[JUNCTIONS]\nJ1 abc 2\n[COORDINATES]\nJ1 0 0\n", encoding="utf-8")
    with pytest.raises(ModelFileError, match="line 2: invert elevation 'abc' is not a number"):
        read_swmm(str(bad))


def test_epanet_valves_become_nodes():
    model = read_epanet(str(DATA / "models" / "small_water.inp"))
    nodes = {node["name"]: node for node in model.nodes}
    assert nodes["V1"]["node_type"] == "valve" and nodes["V1"]["xy"] == (100.0, 50.0)
    assert nodes["R1"]["node_type"] == "reservoir" and nodes["J3"]["demand"] == 1.5
    links = {link["name"]: link for link in model.links}
    assert (links["V1_a"]["from_node"], links["V1_a"]["to_node"]) == ("J1", "V1")
    assert (links["V1_b"]["from_node"], links["V1_b"]["to_node"]) == ("V1", "J5")
    assert links["P2"]["diameter"] == 200 and links["P2"]["system"] == "water"
