"""Field-name detection and value parsing (English, Chinese, codes, units)."""

import pytest

from pipenet.network.build.fields import (
    detect_mapping,
    diameters_to_mm,
    load_aliases,
    normalise_direction,
    normalise_node_type,
    normalise_system,
    parse_diameter,
    parse_number,
)


def test_chinese_pipe_fields_are_detected():
    names = ["FID_1", "管线编号", "起点点号", "终点点号", "管径", "材质", "起点埋深", "终点埋深",
             "起点管底高程", "终点管底高程", "敷设年代", "类别", "流向"]
    mapping = detect_mapping(names, "pipe")
    assert mapping == {"id": "管线编号", "from_node": "起点点号", "to_node": "终点点号",
                       "system": "类别", "diameter": "管径", "material": "材质",
                       "up_invert": "起点管底高程", "down_invert": "终点管底高程", "up_depth": "起点埋深",
                       "down_depth": "终点埋深", "install_year": "敷设年代", "direction": "流向"}


def test_english_names_match_ignoring_case_and_spacing():
    mapping = detect_mapping(["PIPE ID", "From-Node", "to_node", "Diameter", "US_Invert", "DS Invert"],
                             "pipe")
    assert mapping["id"] == "PIPE ID"
    assert mapping["from_node"] == "From-Node"
    assert mapping["up_invert"] == "US_Invert"
    assert mapping["down_invert"] == "DS Invert"


def test_node_fields_chinese():
    mapping = detect_mapping(["物探点号", "X", "Y", "地面高程", "井底高程", "附属物"], "node")
    assert mapping == {"id": "物探点号", "type": "附属物", "ground_elev": "地面高程",
                       "invert_elev": "井底高程"}


def test_override_wins_and_unknown_override_raises():
    assert detect_mapping(["a", "管径"], "pipe", {"diameter": "a"})["diameter"] == "a"
    with pytest.raises(KeyError):
        detect_mapping(["a"], "pipe", {"diameter": "nope"})


def test_values_decide_between_candidates():
    rows = [{"Type": 13, "SystemType": "Stormwater"}, {"Type": 2, "SystemType": "Wastewater"}]
    assert detect_mapping(["Type", "SystemType"], "pipe", sample_rows=rows)["system"] == "SystemType"
    # a numeric "Type" column is not taken as the system
    assert "system" not in detect_mapping(["Type"], "pipe", sample_rows=[{"Type": 13}])


@pytest.mark.parametrize("text, expected", [
    ("DN300", 300.0), ("Φ300", 300.0), ("300mm", 300.0), ("d=0.3", 0.3), ("１２０", 120.0),
    (" 12.5 ", 12.5), (7, 7.0), (float("nan"), None), (float("inf"), None), ("", None), (None, None),
    ("n/a", None),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


def test_diameter_units_and_boxes():
    assert parse_diameter("300mm") == (300.0, "mm")
    assert parse_diameter("0.6m") == (0.6, "m")
    assert parse_diameter("30cm") == (300.0, "mm")
    size, _ = parse_diameter("1200×800")
    assert 1100 < size < 1110
    assert diameters_to_mm([0.3, 0.5, 1.2]) == [300.0, 500.0, 1200.0]
    assert diameters_to_mm([300, 500, "DN800"]) == [300.0, 500.0, 800.0]
    assert diameters_to_mm([300, "0.5m"]) == [300.0, 500.0]


@pytest.mark.parametrize("value, system", [
    ("YS", "storm"), ("雨水", "storm"), ("Stormwater", "storm"), ("storm sewer", "storm"),
    ("WS", "sanitary"), ("污水", "sanitary"), ("Wastewater", "sanitary"), ("Sanitary Line", "sanitary"),
    ("foul", "sanitary"), ("HS", "combined"), ("合流", "combined"), ("Combined Sewer", "combined"),
    ("JS", "water"), ("给水", "water"), ("Water", "water"), ("PS", "drainage"), ("中水", "reclaimed"),
    ("xyz", None), (None, None),
])
def test_system_normalisation(value, system):
    assert normalise_system(value) == system


@pytest.mark.parametrize("value, kind", [
    ("Sanitary Manhole", "manhole"), ("CB tied to Sanitary Sewer", "inlet"),
    ("Known CSO Outfalls", "outfall"), ("检查井", "manhole"), ("雨水篦", "inlet"), ("出水口", "outfall"),
    ("污水处理厂", "plant"), ("泵站", "pump"), ("阀门", "valve"), ("三通", "junction"),
])
def test_node_type_normalisation(value, kind):
    assert normalise_node_type(value) == kind


def test_direction_values():
    assert normalise_direction("反向") == "reverse"
    assert normalise_direction(1) == "forward"
    assert normalise_direction("sideways") is None


def test_user_alias_file_extends_tables(tmp_path):
    extra = tmp_path / "aliases.json"
    extra.write_text('{"systems": {"storm": ["regenwasser"]}, "pipe_fields": {"diameter": ["nennweite"]}}',
                     encoding="utf-8")
    tables = load_aliases(str(extra))
    assert normalise_system("Regenwasser", tables) == "storm"
    assert detect_mapping(["Nennweite"], "pipe", aliases=tables) == {"diameter": "Nennweite"}


@pytest.fixture(scope="module")
def english_sample(tmp_path_factory):
    from pipenet.network.io.frames import read_layer
    from pipenet.network.sample import generate, write_gpkg

    sample = generate(km=20, seed=1)
    path = str(tmp_path_factory.mktemp("sample") / "sample_en.gpkg")
    write_gpkg(sample, path, chinese=False)
    return sample, read_layer(path, "pipes"), read_layer(path, "nodes")


SURVEY_NAMES = {"pipe_id": "PipeRef", "from_node": "US_MH", "to_node": "DS_MH", "up_invert": "US_IL",
                "down_invert": "DS_IL", "diameter": "Pipe Size"}


def test_survey_style_names_are_detected_without_help(english_sample):
    from pipenet.network import build_network

    _, pipes, nodes = english_sample
    pipes = pipes.rename(columns=SURVEY_NAMES)
    nodes = nodes.rename(columns={"node_id": "MH Ref", "node_type": "MH_Type", "ground_elev": "Cover Level"})
    network = build_network(pipes, nodes)
    assert {key: network.pipe_mapping.get(key) for key in ("from_node", "to_node", "up_invert", "diameter")} == {
        "from_node": "US_MH", "to_node": "DS_MH", "up_invert": "US_IL", "diameter": "Pipe Size"}
    assert network.node_mapping["type"] == "MH_Type" and network.node_mapping["ground_elev"] == "Cover Level"
    assert {name for name in ("usmh", "upstream manhole", "Upstream_Manhole")
            if detect_mapping([name], "pipe").get("from_node")} == {"usmh", "upstream manhole", "Upstream_Manhole"}
    assert detect_mapping(["dsmh"], "pipe") == {"to_node": "dsmh"}
    for name in ("node_type", "structure type", "井类型", "附属物类型"):
        assert detect_mapping([name], "node") == {"type": name}


def test_node_types_and_from_to_ids_are_found_by_their_values(english_sample):
    from pipenet.network import build_network

    _, pipes, nodes = english_sample
    pipes = pipes.rename(columns={"from_node": "A1", "to_node": "B2"})
    nodes = nodes.rename(columns={"node_type": "KIND_X"})
    network = build_network(pipes, nodes)
    assert (network.pipe_mapping["from_node"], network.pipe_mapping["to_node"]) == ("A1", "B2")
    assert network.node_mapping["type"] == "KIND_X"
    reports = {report.kind: report for report in network.field_reports}
    assert reports["pipe"].by_content == ["from_node", "to_node"] and reports["node"].by_content == ["type"]
    assert "from_node=A1 (by content)" in reports["pipe"].text()
    # the same topology as with the names recognised
    named = build_network(*english_sample[1:])
    assert sorted(network.table().keys) == sorted(named.table().keys)
    assert network.summary()["findings"] == named.summary()["findings"]


def test_the_summary_lists_fields_not_found_and_their_cost(english_sample):
    from pipenet.network import build_network

    _, pipes, nodes = english_sample
    network = build_network(pipes.drop(columns=["up_invert", "down_invert", "up_depth", "down_depth", "diameter"]),
                            nodes.drop(columns=["node_type"]))
    fields = {entry["layer"]: entry for entry in network.summary()["fields"]}
    costs = [m["cost"] for entry in fields.values() for m in entry["missing"]]
    assert any(cost.startswith("no inverts: slopes not checked") for cost in costs)
    assert any(cost.startswith("no diameter:") for cost in costs)
    assert "no node types: sinks used as outlets" in costs
    assert fields["pipes"]["used"]["from_node"] == "from_node"
