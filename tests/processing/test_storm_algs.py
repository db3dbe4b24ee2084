"""pipenet:stormcapacity (and the other storm algorithms) through processing.run on the generated sample."""

import pytest
from qgis.core import NULL, QgsProcessingException
from qgis.PyQt.QtGui import QColor

FORMULA = {"A1": 20.0, "C": 0.8, "B": 15.0, "N": 0.7}


@pytest.fixture(scope="module")
def sample_layers(tmp_path_factory):
    from pipenet.network.sample import generate, write_gpkg

    path = tmp_path_factory.mktemp("storm") / "sample_20km.gpkg"
    write_gpkg(generate(km=20, seed=1), str(path))
    return f"{path}|layername=pipes", f"{path}|layername=nodes"


def capacity(sample_layers, **extra):
    from qgis import processing

    pipes, nodes = sample_layers
    return processing.run("pipenet:stormcapacity", {
        "PIPES": pipes, "NODES": nodes, **FORMULA, "OUTPUT_PIPES": "TEMPORARY_OUTPUT",
        "OUTPUT_CATCHMENTS": "TEMPORARY_OUTPUT", "OUTPUT_FINDINGS": "TEMPORARY_OUTPUT", **extra})


def test_storm_capacity_on_the_sample(pipenet_plugin, sample_layers):
    result = capacity(sample_layers)
    pipes = result["OUTPUT_PIPES"]
    rows = [f for f in pipes.getFeatures() if f["pn_system"] in ("storm", "combined")]
    assert result["STORM_PIPES"] == len(rows) > 150
    known = [f for f in rows if f["pn_q_full"] not in (None, NULL)]
    assert len(known) > 0.8 * len(rows)
    for feature in known[:50]:
        assert feature["pn_load"] == pytest.approx(feature["pn_q_design"] / feature["pn_q_full"], rel=1e-2, abs=1e-3)
        assert feature["pn_capacity_cls"] in ("<1", "1-2", "2-3", "3-5", ">=5")
        assert feature["pn_tc_min"] >= 10.0 and 0 < feature["pn_psi"] <= 1
    sanitary = [f for f in pipes.getFeatures() if f["pn_system"] == "sanitary"]
    assert sanitary and all(f["pn_q_design"] in (None, NULL) for f in sanitary[:20])
    cells = result["OUTPUT_CATCHMENTS"]
    assert cells.featureCount() > 150 and cells.crs().authid() == "EPSG:4549"
    total = sum(f["pn_area_ha"] for f in cells.getFeatures())
    assert total == pytest.approx(sum(f.geometry().area() for f in cells.getFeatures()) / 1e4, rel=1e-3)
    checks = {f["check"] for f in result["OUTPUT_FINDINGS"].getFeatures()}
    assert "capacity_no_slope" in checks  # the sample's injected reverse slopes
    assert result["UNDER_CAPACITY"] == sum(1 for f in known if f["pn_capacity_p"] < 3.0)


def test_storm_capacity_land_use_and_formula_file(pipenet_plugin, sample_layers, write_layer, tmp_path):
    formulas = tmp_path / "cities.csv"
    formulas.write_text("name,A1,C,B,N\nTown,20,0.8,15,0.7\n", encoding="utf-8")
    green = write_layer("landuse", "Polygon", [("类型", "str")], [
        {"类型": "公园绿地", "wkt": "POLYGON ((430000 3350000, 470000 3350000, 470000 3390000, 430000 3390000, "
                                  "430000 3350000))"}], epsg=4549)
    result = capacity(sample_layers, A1=None, FORMULA_FILE=str(formulas), FORMULA_NAME="Town", LANDUSE=green,
                      LANDUSE_FIELD="类型")
    assert {round(f["pn_psi"], 3) for f in result["OUTPUT_CATCHMENTS"].getFeatures()} == {0.15}
    assert result["UNDER_CAPACITY"] < capacity(sample_layers)["UNDER_CAPACITY"]


def test_storm_capacity_needs_a_formula(pipenet_plugin, sample_layers):
    with pytest.raises(QgsProcessingException, match="A1, C, B and N"):
        capacity(sample_layers, A1=None)


def test_design_storm_table_and_csv(pipenet_plugin, tmp_path):
    import csv
    import math

    from qgis import processing

    target = tmp_path / "storm.csv"
    result = processing.run("pipenet:designstorm", {**FORMULA, "RETURN_PERIOD": 3, "DURATION": 120,
                                                    "PEAK_POSITION": 0.4, "TIME_STEP": 5, "OUTPUT": str(target)})
    depth = 20.0 * (1 + 0.8 * math.log10(3.0)) * 120.0 / (120.0 + 15.0) ** 0.7
    assert result["TOTAL_DEPTH"] == pytest.approx(depth)
    with open(target, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 24 and float(rows[-1]["cum_mm"]) == pytest.approx(depth, abs=1e-3)
    assert max(float(r["i_mm_h"]) for r in rows) == pytest.approx(result["PEAK_MM_H"], abs=1e-3)


def test_export_swmm_reads_back(pipenet_plugin, sample_layers, tmp_path):
    from qgis import processing

    pipes, nodes = sample_layers
    target = tmp_path / "model.inp"
    result = processing.run("pipenet:exportswmm", {"PIPES": pipes, "NODES": nodes, **FORMULA, "OUTPUT": str(target)})
    assert result["CONDUITS"] > 150 and result["SUBCATCHMENTS"] > 150
    imported = processing.run("pipenet:importswmm", {"INPUT": str(target), "OUTPUT_PIPES": "TEMPORARY_OUTPUT",
                                                     "OUTPUT_NODES": "TEMPORARY_OUTPUT"})
    assert imported["OUTPUT_PIPES"].featureCount() == result["CONDUITS"]


def test_storm_simulation_runs_swmm_per_return_period(pipenet_plugin, sample_layers, tmp_path):
    import csv

    pytest.importorskip("swmm.toolkit.solver", reason="swmm.toolkit (the SWMM 5 engine) is not installed: "
                                                      "run `make setup`")
    from qgis import processing
    from qgis.core import QgsVectorLayer

    pipes, nodes = sample_layers
    result = processing.run("pipenet:stormsimulation", {
        "PIPES": pipes, "NODES": nodes, **FORMULA, "RETURN_PERIODS": "1,2,3,5,10",
        "OUTPUT_FOLDER": str(tmp_path / "sim")})
    assert 0 <= result["MAX_CONTINUITY_ERROR"] < 2.0 and result["FLOODED_NODES"] > 0
    layer = QgsVectorLayer(result["OUTPUT_NODES"], "nodes", "ogr")
    periods = (1, 2, 3, 5, 10)
    flooding = 0
    for feature in layer.getFeatures():
        first = feature["pn_flood_p"]
        floods = [feature[f"pn_flood_m3_p{p}"] >= 5.0 for p in periods]
        if first in (None, NULL):
            assert not any(floods)
            continue
        flooding += 1  # monotone: it floods at its pn_flood_p and at every larger P, never before
        assert floods == [p >= first for p in periods], (feature["node"], first, floods)
    assert flooding == result["FLOODED_NODES"]
    pipes_out = QgsVectorLayer(result["OUTPUT_PIPES"], "pipes", "ogr")
    storm = [f for f in pipes_out.getFeatures() if f["pn_qq_p10"] not in (None, NULL)]
    assert len(storm) > 150 and any(f["pn_surcharge_p"] not in (None, NULL) for f in storm)
    assert QgsVectorLayer(result["OUTPUT_OUTFALLS"], "outfalls", "ogr").featureCount() >= 1
    with open(result["OUTPUT_CONTINUITY"], encoding="utf-8-sig") as handle:
        assert [row["storm"] for row in csv.DictReader(handle)] == ["p1", "p2", "p3", "p5", "p10"]
    with open(result["OUTPUT_WARNINGS"], encoding="utf-8-sig") as handle:
        warnings = list(csv.DictReader(handle))
    assert len(warnings) == flooding and "内涝预警" in warnings[0]["warning_zh"]
    volumes = [float(row["flood_m3"]) for row in warnings]
    assert volumes == sorted(volumes, reverse=True)
    # the map: the nodes by the storm they first flood in (the legend counts them), over the pipes
    from qgis.core import QgsProject
    from qgis.PyQt.QtGui import QImage

    project = QgsProject()
    assert project.read(result["OUTPUT_PROJECT"])
    layers = {layer.source().split("|")[0].rsplit("/", 1)[-1]: layer for layer in project.mapLayers().values()}
    assert set(layers) == {"simulation_nodes.gpkg", "simulation_pipes.gpkg"}
    assert all(layer.isValid() for layer in layers.values())
    rules = layers["simulation_nodes.gpkg"].renderer().rootRule().children()
    counts = {rule.filterExpression(): int(rule.label().rsplit("(", 1)[1].rstrip(")").replace(",", ""))
              for rule in rules}
    expected = {f'"pn_flood_p" = {float(p)!r}': sum(1 for row in warnings if float(row["flood_p"]) == p)
                for p in periods}
    assert counts == {key: count for key, count in expected.items() if count}  # storms flooding no new node: unlisted
    assert sum(counts.values()) == flooding
    image = QImage(result["OUTPUT_MAP"])
    assert image.width() > 1000 and any(QColor(image.pixel(x, y)).name() == "#e31a1c"  # P = 1: the darkest red
                                        for x in range(0, image.width(), 2) for y in range(0, image.height(), 2))
    page = (tmp_path / "sim" / "waterlogging_warnings.html").read_text(encoding="utf-8")
    assert "simulation_map.png" in page and "内涝预警" in page and warnings[0]["node"] in page


def test_storm_simulation_with_a_rainfall_series(pipenet_plugin, sample_layers, tmp_path):
    pytest.importorskip("swmm.toolkit.solver", reason="swmm.toolkit (the SWMM 5 engine) is not installed: "
                                                      "run `make setup`")
    from qgis import processing

    rain = tmp_path / "rain.csv"
    rain.write_text("time,mm/h\n0,5\n00:10,60\n20,90\n30,20\n40,5\n", encoding="utf-8")
    pipes, nodes = sample_layers
    result = processing.run("pipenet:stormsimulation", {
        "PIPES": pipes, "NODES": nodes, "RAINFALL": str(rain), "OUTPUT_FOLDER": str(tmp_path / "rain")})
    assert result["MAX_CONTINUITY_ERROR"] < 2.0
    assert (tmp_path / "rain" / "storm_rain.inp").exists()


def test_storm_capacity_map_and_project(pipenet_plugin, sample_layers, tmp_path):
    from qgis.core import QgsProject
    from qgis.PyQt.QtGui import QImage

    pipes = tmp_path / "capacity.gpkg"
    result = capacity(sample_layers, OUTPUT_PIPES=str(pipes), OUTPUT_MAP=str(tmp_path / "capacity.png"),
                      OUTPUT_PROJECT=str(tmp_path / "capacity.qgz"))
    image = QImage(result["OUTPUT_MAP"])
    assert image.width() > 1000 and image.height() > 700
    project = QgsProject()
    assert project.read(result["OUTPUT_PROJECT"])
    [layer] = project.mapLayers().values()
    assert layer.isValid() and layer.featureCount() == len(list(pipes_of(str(pipes))))
    renderer = layer.renderer()
    assert renderer.classAttribute() == "pn_capacity_cls"
    assert [c.value() for c in renderer.categories()] == ["<1", "1-2", "2-3", "3-5", ">=5", ""]
    # the map's colours are those of the classes the pipes have: a red (< 1 year) pipe is drawn
    assert result["UNDER_CAPACITY"] > 0 and any(
        QColor(image.pixel(x, y)).name() == "#b10026" for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2))


def pipes_of(path):
    from qgis.core import QgsVectorLayer

    return QgsVectorLayer(path, "pipes", "ogr").getFeatures()


def test_without_the_engine_the_simulation_says_how_to_install_it(pipenet_plugin, sample_layers, tmp_path,
                                                                  monkeypatch):
    """Where QGIS's Python has no swmm-toolkit: one message naming the command that installs it, no files
    left behind, and the other storm algorithms work as before."""
    import sys

    from qgis import processing

    monkeypatch.setitem(sys.modules, "swmm.toolkit", None)
    monkeypatch.setitem(sys.modules, "swmm.toolkit.solver", None)
    pipes, nodes = sample_layers
    with pytest.raises(QgsProcessingException, match=r"swmm-toolkit\) is not installed.*pip install .*swmm-toolkit"):
        processing.run("pipenet:stormsimulation", {"PIPES": pipes, "NODES": nodes, **FORMULA,
                                                    "OUTPUT_FOLDER": str(tmp_path / "sim")})
    assert not (tmp_path / "sim").exists() or not any((tmp_path / "sim").iterdir())
    assert capacity(sample_layers)["STORM_PIPES"] > 150
