"""pipenet:networkaudit on the 20 km sample: every deliverable, styled, and hotspots where they were put."""

import json
import math

import pytest
from qgis.core import (
    NULL,
    QgsCategorizedSymbolRenderer,
    QgsHeatmapRenderer,
    QgsProject,
    QgsRuleBasedRenderer,
    QgsVectorLayer,
)

from pipenet.network.sample import generate, write_gpkg


@pytest.fixture(scope="module")
def audited(pipenet_plugin, tmp_path_factory):
    from qgis import processing

    from pipenet.processing.algorithms import network_audit

    folder = tmp_path_factory.mktemp("audit")
    sample = generate(km=20, seed=1)
    gpkg = str(folder / "county.gpkg")
    write_gpkg(sample, gpkg)
    original = network_audit.write_project_and_map
    network_audit.write_project_and_map = lambda *arguments, **options: (
        KNOWN_VALUES.update(arguments[5]), DRAWN.append(options.get("drawn")),
        PIPES_MAPS.append(options.get("pipes_map")), original(*arguments, **options))
    try:
        result = processing.run("pipenet:networkaudit", {
            "PIPES": f"{gpkg}|layername=pipes", "NODES": f"{gpkg}|layername=nodes",
            "DEFECTS": f"{gpkg}|layername=defects", "EVENTS": f"{gpkg}|layername=events",
            "OUTPUT_FOLDER": str(folder / "out")})
    finally:
        network_audit.write_project_and_map = original
    return sample, result, folder / "out"


KNOWN_VALUES: dict = {}  # what the audit told the project writer its styled columns hold
DRAWN: list = []  # the pipes in memory it gave the map
PIPES_MAPS: list = []  # and the pipes it had drawn beforehand


def test_the_values_the_legend_is_cut_to_are_those_written(audited):
    _, _, out = audited
    assert len(KNOWN_VALUES) == 5
    for (table, field), values in KNOWN_VALUES.items():
        layer = QgsVectorLayer(f"{out / 'pipenet_audit.gpkg'}|layername={table}", table, "ogr")
        written = {None if value is None or value == NULL else value
                   for value in layer.uniqueValues(layer.fields().indexOf(field))}
        assert values == written and written - {None}, (table, field)


def test_every_deliverable_is_written(audited):
    _, result, out = audited
    for name in ("pipenet_audit.gpkg", "pipenet_audit.qgz", "overview.png", "risk_register.csv", "summary.json",
                 "summary.html"):
        assert (out / name).exists(), name
    assert (out / "overview.png").stat().st_size > 30000
    assert sorted(path.name for path in out.iterdir() if path.suffix == ".png") == ["overview.png"]  # no map image left
    from osgeo import gdal

    assert gdal.GetConfigOption("OGR_SQLITE_SYNCHRONOUS") is None  # written unsynced during the run only


def test_the_overview_map_draws_the_network_in_its_colours(audited):
    """The map is drawn by a parallel render job and placed in the layout: the pipes' system colours
    show inside the map frame, and nothing is drawn outside it but the legend, title and scale bar."""
    from qgis.PyQt.QtGui import QColor, QImage

    from pipenet.processing.report.styles import SYSTEM_COLOURS

    _, _, out = audited
    image = QImage(str(out / "overview.png"))
    millimetre = image.width() / 297.0  # A4 landscape
    inside = {image.pixelColor(int(x * millimetre), int(y * millimetre)).name()
              for x in range(10, 216, 1) for y in range(24, 200, 1)}
    colours = {QColor(colour).name() for colour in SYSTEM_COLOURS.values()}
    assert colours & inside, (colours, sorted(inside)[:20])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["findings"]["near_miss"] >= 2 and summary["cross_connections"]["sanitary→storm"] >= 2
    assert len(summary["top_risk"]) == 20
    assert "Top risk pipes" in (out / "summary.html").read_text(encoding="utf-8")
    header = (out / "risk_register.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("rank,pipe_id,system")


def _pixels(image):
    import numpy as np

    image = image.convertToFormat(image.Format_RGB32)
    bits = image.constBits()
    bits.setsize(image.height() * image.bytesPerLine())
    rows = np.frombuffer(bits, np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    return rows[:, :image.width(), :3].astype(int)


@pytest.mark.parametrize("grouping", ["runs", "windows", "small layers"])
def test_the_map_drawn_from_memory_is_the_map_of_the_layers(audited, monkeypatch, grouping):
    """The overview's styled pipes layers drawn from the audit's lines in memory (stand_ins) look as
    QGIS draws the GeoPackage layers: runs of one class in the pipes' own order, or (scattered
    classes) by class within windows of pipes."""
    import numpy as np
    from qgis.core import QgsMapRendererParallelJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize

    from pipenet.processing.report import audit_report as report
    from pipenet.processing.report import stand_ins

    _, _, out = audited
    drawn = DRAWN[0]
    assert drawn is not None and drawn.count > 300
    assert set(drawn.classes) == {"pn_system", "pn_brk_cls", "pn_ovf_cls"}
    if grouping == "windows":
        monkeypatch.setattr(stand_ins, "MAX_RUNS", 0)
        monkeypatch.setattr(stand_ins, "PIPES_PER_RUN", 10 ** 9)
        monkeypatch.setattr(stand_ins, "PIPES_PER_FEATURE", 50)
    if grouping == "small layers":  # a memory layer per 60 pipes: drawn one after another
        monkeypatch.setattr(stand_ins, "PIPES_PER_LAYER", 60)
    layers = [layer for layer in report.project_layers(str(out / "pipenet_audit.gpkg"), only_present=True)
              if report._visible(layer)]
    settings = QgsMapSettings()
    settings.setDestinationCrs(drawn.crs)
    settings.setOutputSize(QSize(600, 500))
    settings.setOutputDpi(110)
    settings.setExtent(report.network_extent(layers))
    settings.setLayers(list(reversed(layers)))
    replaced = {layer.id(): stand_ins.stand_ins(layer, drawn) for layer in layers if report._table(layer) == "pipes"}
    assert len(replaced) == 3 and all(batches is not None for batches in replaced.values())
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    difference = np.abs(_pixels(job.renderedImage()) - _pixels(stand_ins.draw_in_order(settings, replaced))).sum(axis=2)
    assert (difference > 0).mean() < 0.05  # anti-aliasing at line ends
    assert (difference > 100).mean() < (0.01 if grouping == "windows" else 0.0005)


def test_the_pipes_drawn_beside_the_writes_make_the_same_map(audited, tmp_path):
    """The audit draws the map's pipes while it writes the GeoPackage (PipesMap); the overview made
    with them is the overview made from the layers at the end, pixel for pixel."""
    from qgis.core import QgsCoordinateReferenceSystem
    from qgis.PyQt.QtGui import QImage

    from pipenet.processing.report import audit_report as report

    _, _, out = audited
    drawn, crs = DRAWN[0], DRAWN[0].crs
    assert PIPES_MAPS[0] is not None and [layer.name() for layer in PIPES_MAPS[0].layers] == \
        ["Pipes by system", "Breakage hotspots", "Overflow hotspots"]
    gpkg, images = str(out / "pipenet_audit.gpkg"), []
    for name, pipes_map in (("after", None), ("beside", report.PipesMap.start(drawn, crs, KNOWN_VALUES))):
        report.write_project_and_map(gpkg, str(tmp_path / f"{name}.qgz"), str(tmp_path / f"{name}.png"), "map",
                                     crs, KNOWN_VALUES, drawn=drawn, pipes_map=pipes_map)
        images.append(_pixels(QImage(str(tmp_path / f"{name}.png"))))
    assert (images[0] == images[1]).all()
    # not drawn beside: lines in another CRS, or a class the writer did not know
    assert report.PipesMap.start(drawn, QgsCoordinateReferenceSystem("EPSG:4326"), KNOWN_VALUES) is None
    assert report.PipesMap.start(drawn, crs, {key: value for key, value in KNOWN_VALUES.items()
                                              if key != ("pipes", "pn_brk_cls")}) is None
    stopped = report.PipesMap.start(drawn, crs, KNOWN_VALUES)
    stopped.stop()
    assert stopped.image(["Pipes by system"]) is None  # not the layers drawn


def test_a_map_whose_pipes_failed_to_draw_beside_draws_them_itself(audited, tmp_path, monkeypatch):
    from qgis.PyQt.QtGui import QImage

    from pipenet.processing.report import audit_report as report

    _, _, out = audited
    drawn, crs, names = DRAWN[0], DRAWN[0].crs, ["Pipes by system", "Breakage hotspots", "Overflow hotspots"]

    def failing(*arguments):
        raise RuntimeError("drawing failed")
    monkeypatch.setattr(report, "draw_in_order", failing)
    pipes_map = report.PipesMap.start(drawn, crs, KNOWN_VALUES)
    assert pipes_map.image(names) is None  # the thread's error is not raised
    monkeypatch.undo()
    gpkg = str(out / "pipenet_audit.gpkg")
    for name, given in (("after", None), ("failed", pipes_map)):
        report.write_project_and_map(gpkg, str(tmp_path / f"{name}.qgz"), str(tmp_path / f"{name}.png"), "map",
                                     crs, KNOWN_VALUES, drawn=drawn, pipes_map=given)
    assert (_pixels(QImage(str(tmp_path / "after.png"))) == _pixels(QImage(str(tmp_path / "failed.png")))).all()


def test_stand_ins_refuse_lines_that_are_not_the_layers(audited):
    from pipenet.processing.report import audit_report as report
    from pipenet.processing.report import stand_ins

    _, _, out = audited
    drawn = DRAWN[0]
    pipes = report.project_layers(str(out / "pipenet_audit.gpkg"))[0]
    wrong = stand_ins.DrawnPipes(drawn.coords, drawn.count + 1, drawn.crs, drawn.classes)
    assert stand_ins.stand_ins(pipes, wrong) is None and stand_ins.stand_ins(pipes, None) is None
    assert stand_ins.stand_ins(pipes, stand_ins.DrawnPipes(drawn.coords, drawn.count, drawn.crs, {})) is None


def test_project_opens_with_every_layer_valid_and_styled(audited):
    _, _, out = audited
    project = QgsProject()
    assert project.read(str(out / "pipenet_audit.qgz"))
    layers = list(project.mapLayers().values())
    assert len(layers) >= 6
    for layer in layers:
        assert layer.isValid(), layer.name()
        assert isinstance(layer.renderer(), (QgsCategorizedSymbolRenderer, QgsHeatmapRenderer,
                                             QgsRuleBasedRenderer)) or \
            layer.name() in ("Nodes", "节点", "Overflow events", "溢流事件"), layer.name()
    names = {layer.name() for layer in layers}
    assert {"Breakage hotspots", "Overflow hotspots", "Overflow events", "Overflow event density", "Findings"} <= names
    assert not project.viewSettings().defaultViewExtent().isEmpty()


def test_the_findings_legend_has_every_severity_and_check_written(audited):
    _, _, out = audited
    project = QgsProject()
    assert project.read(str(out / "pipenet_audit.qgz"))
    findings = project.mapLayersByName("Findings")[0]
    written = {}
    for feature in findings.getFeatures():
        written.setdefault(feature["severity"], set()).add(feature["check"])
    rules = {rule.filterExpression(): rule for rule in findings.renderer().rootRule().children()}
    assert set(rules) == {f"severity = '{severity}'" for severity in written}
    for severity, checks in written.items():
        children = rules[f"severity = '{severity}'"].children()
        assert {child.filterExpression() for child in children} == {f'"check" = \'{check}\'' for check in checks}
        assert all(child.symbol() is not None and child.label().endswith(")") for child in children)
        assert "_" not in "".join(child.label() for child in children)  # names, not ids


def test_injected_clusters_are_hot_and_clean_areas_are_not(audited):
    sample, _, out = audited
    pipes = QgsVectorLayer(f"{out / 'pipenet_audit.gpkg'}|layername=pipes", "pipes", "ogr")
    centres = [(t["x"], t["y"]) for t in sample.truth if t["fault"] == "breakage_hotspot"]
    bottlenecks = [(t["x"], t["y"]) for t in sample.truth if t["fault"] == "overflow_hotspot"]
    rows = []
    for feature in pipes.getFeatures():
        middle = feature.geometry().interpolate(feature.geometry().length() / 2).asPoint()
        near = min(math.dist((middle.x(), middle.y()), c) for c in centres)
        near_bottleneck = min(math.dist((middle.x(), middle.y()), c) for c in bottlenecks)
        rows.append((near, near_bottleneck, feature["pn_brk_cls"] or "", feature["pn_ovf_cls"] or ""))
    at_centre = [r for r in rows if r[0] < 60]
    assert at_centre and all(r[2].startswith("hot") for r in at_centre)
    clean = [r for r in rows if r[0] > 450]
    assert clean and not [r for r in clean if r[2].startswith("hot")]
    assert any(r[3].startswith("hot") for r in rows if r[1] < 60)
    assert not [r for r in rows if r[1] > 500 and r[3].startswith("hot 99")]


def test_a_run_failing_after_the_text_files_began_leaves_nothing_and_loses_nothing(audited, monkeypatch, tmp_path):
    from qgis import processing
    from qgis.core import QgsProcessingException

    from pipenet.processing.outputs import writers

    written = []

    def failing_findings(self, *arguments, **options):
        written.append(sorted(path.name for path in (tmp_path / "out").iterdir()))
        raise OSError("disk full")

    monkeypatch.setattr(writers.OutputWriters, "write_findings", failing_findings)
    (tmp_path / "out").mkdir()  # the user's own folder, with the register of an earlier run
    (tmp_path / "out" / "risk_register.csv").write_text("earlier")
    gpkg = audited[2].parent / "county.gpkg"
    with pytest.raises(QgsProcessingException, match="disk full"):
        processing.run("pipenet:networkaudit", {
            "PIPES": f"{gpkg}|layername=pipes", "NODES": f"{gpkg}|layername=nodes",
            "DEFECTS": f"{gpkg}|layername=defects", "OUTPUT_FOLDER": str(tmp_path / "out")})
    # the pipes and nodes were in (written aside, under the run's own name), the text files on their way
    assert any(name.startswith("pipenet_audit-partial-") for name in written[0])
    # nothing of the failed run is left, and what the user had is still there
    assert [path.name for path in (tmp_path / "out").iterdir()] == ["risk_register.csv"]
    assert (tmp_path / "out" / "risk_register.csv").read_text() == "earlier"


def test_the_summary_page_is_a_report(audited):
    _, _, out = audited
    page = (out / "summary.html").read_text(encoding="utf-8")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "{" not in page.split("</style>")[1]  # no Python dicts printed
    from pipenet.network.model.findings import check_title

    for check in summary["findings"]:
        assert f"<td>{check_title(check)}</td><td>{check_title(check, chinese=True)}</td>" in page
        assert f"<td>{check}</td>" not in page
    assert f'<td class=n>{summary["severity"]["error"]:,}</td>' in page
    for name in ("pipenet_audit.gpkg", "pipenet_audit.qgz", "overview.png", "risk_register.csv"):
        assert f'<a href="{name}">' in page
    assert '<img src="overview.png"' in page and "Top risk pipes" in page
