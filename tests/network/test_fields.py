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
