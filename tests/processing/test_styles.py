"""Shipped QML styles load, follow the QGIS locale, and outputs loaded from the toolbox get styled."""

from pathlib import Path

import pytest
from qgis.core import QgsProcessingContext, QgsProject, QgsSettings, QgsVectorLayer

STYLES = Path(__file__).resolve().parents[2] / "styles"


@pytest.mark.parametrize("name", sorted(p.name for p in STYLES.glob("*.qml")))
def test_shipped_styles_load(qgis_app, name):
    points = ("findings", "heatmap", "nodes", "events", "alarms")
    geometry = "Point" if name.split(".")[0].split("_")[0] in points else "LineString"
    layer = QgsVectorLayer(f"{geometry}?crs=EPSG:4549&field=severity:string&field=pn_system:string", "x", "memory")
    message, ok = layer.loadNamedStyle(str(STYLES / name))
    assert ok, message


def test_chinese_legend_labels(qgis_app):
    assert "错误" in (STYLES / "findings_zh.qml").read_text(encoding="utf-8")
    assert "雨水" in (STYLES / "system_zh.qml").read_text(encoding="utf-8")
    from pipenet.processing.report.styles import apply_style

    layer = QgsVectorLayer("Point?crs=EPSG:4549&field=severity:string", "f", "memory")
    settings = QgsSettings()
    previous = settings.value("locale/userLocale", "")
    settings.setValue("locale/userLocale", "zh_CN")
    try:
        apply_style(layer, "findings")
    finally:
        settings.setValue("locale/userLocale", previous)
    assert [rule.label() for rule in layer.renderer().rootRule().children()] == ["错误", "警告", "提示"]


def findings_layer(rows):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY

    layer = QgsVectorLayer("Point?crs=EPSG:4549&field=check:string&field=severity:string", "f", "memory")
    features = []
    for index, (check, severity) in enumerate(rows):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([check, severity])
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(index, 0)))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def test_findings_renderer_draws_every_severity_and_names_every_check(qgis_app):
    from qgis.core import QgsRenderContext

    from pipenet.processing.report.styles import apply_style

    rows = [("dangling_end", "warning")] * 5 + [("cross_connection", "error")] * 2 + [("snapped_gap", "info")] * 3 \
        + [("no_outlet", "warning")]
    layer = findings_layer(rows)
    apply_style(layer, "findings")
    severities = layer.renderer().rootRule().children()
    assert [rule.label() for rule in severities] == ["Errors (2)", "Warnings (6)", "Notes (3)"]
    labels = {child.label() for rule in severities for child in rule.children()}
    assert labels == {"Dangling pipe end (5)", "No path to an outlet (1)", "Storm/sanitary cross-connection (2)",
                      "End snapped to a node (3)"}
    symbols = {rule.label(): rule.children()[0].symbol() for rule in severities}
    colours = {label: symbol.color().name() for label, symbol in symbols.items()}
    sizes = {label: symbol.size() for label, symbol in symbols.items()}
    assert len(set(colours.values())) == 3 and len(set(sizes.values())) == 3
    assert sizes["Errors (2)"] > sizes["Warnings (6)"] > sizes["Notes (3)"]
    # the shape says the family: a dangling end (topology) and a no-outlet (connectivity), both warnings,
    # are drawn apart; a check's legend entry shows its own shape
    shapes = {child.label(): child.symbol().symbolLayer(0).shape() for rule in severities for child in rule.children()}
    assert shapes["Dangling pipe end (5)"] != shapes["No path to an outlet (1)"]
    assert shapes["Dangling pipe end (5)"] == shapes["End snapped to a node (3)"]  # both topology
    context = QgsRenderContext()
    renderer = layer.renderer()
    renderer.startRender(context, layer.fields())
    try:  # every finding is drawn
        assert all(renderer.willRenderFeature(feature, context) for feature in layer.getFeatures())
    finally:
        renderer.stopRender(context)


def test_no_system_colour_is_a_finding_or_hotspot_colour():
    from pipenet.processing.report.styles import HOTSPOT_COLOURS, SEVERITY_COLOURS, SYSTEM_COLOURS

    systems = {colour.lower() for colour in SYSTEM_COLOURS.values()}
    assert not systems & {colour.lower() for colour in SEVERITY_COLOURS.values()}
    assert not systems & {colour.lower() for colour in HOTSPOT_COLOURS.values()}
    assert len(systems) == len(SYSTEM_COLOURS)


def test_pipes_of_no_known_system_are_drawn(qgis_app, tmp_path):
    from qgis.core import QgsFeature, QgsGeometry, QgsRenderContext

    from pipenet.processing.report.audit_report import _styled

    layer = QgsVectorLayer("LineString?crs=EPSG:4549&field=pn_system:string", "Pipes by system", "memory")
    features = []
    for value in (None, "unknown-from-swmm"):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([value])
        feature.setGeometry(QgsGeometry.fromWkt("LINESTRING(0 0, 10 10)"))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    assert _styled(layer, "pipes", "system", None, lambda _l, _t, _f: {None, "unknown-from-swmm"}, True)
    renderer, context = layer.renderer(), QgsRenderContext()
    assert [category.value() for category in renderer.categories()] == [""]
    renderer.startRender(context, layer.fields())
    try:
        assert all(renderer.willRenderFeature(feature, context) for feature in layer.getFeatures())
    finally:
        renderer.stopRender(context)


def test_findings_output_is_styled_when_loaded(pipenet_plugin, small_network):
    from qgis import processing

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    result = processing.runAndLoadResults("pipenet:buildnetwork", {
        "PIPES": small_network[0], "NODES": small_network[1], "OUTPUT_FINDINGS": "TEMPORARY_OUTPUT"},
        context=context)
    try:
        layer = QgsProject.instance().mapLayer(result["OUTPUT_FINDINGS"])
        assert layer.renderer().type() == "RuleRenderer"
        severities = {rule.filterExpression() for rule in layer.renderer().rootRule().children()}
        assert severities and all(expression.startswith("severity = ") for expression in severities)
    finally:
        QgsProject.instance().removeAllMapLayers()


@pytest.mark.parametrize("epsg", ["EPSG:4549", ""])
def test_the_overview_scale_bar_is_sane_with_and_without_a_crs(qgis_app, epsg):
    from qgis.core import QgsCoordinateReferenceSystem, QgsLayout, QgsRectangle, QgsUnitTypes

    from pipenet.processing.report.audit_report import _map_item, _scale_bar

    crs = QgsCoordinateReferenceSystem(epsg) if epsg else QgsCoordinateReferenceSystem()
    project = QgsProject()
    layout = QgsLayout(project)
    layout.initializeDefaults()
    extent = QgsRectangle(500000, 3400000, 502000, 3401500) if epsg else QgsRectangle(0, 0, 2000, 1500)
    map_item = _map_item(layout, [], extent, crs)
    scale = _scale_bar(layout, map_item, crs)
    assert 10 <= scale.unitsPerSegment() * scale.numberOfSegments() <= 2500
    assert scale.units() == (QgsUnitTypes.DistanceMeters if epsg else QgsUnitTypes.DistanceUnknownUnit)
    below_map = map_item.positionWithUnits().y() + map_item.sizeWithUnits().height()
    assert scale.positionWithUnits().y() >= below_map


def test_the_shipped_findings_style_draws_each_family_in_its_shape(qgis_app):
    """Without counts (the QML in styles/, an empty layer) every severity lists the families."""
    from qgis.core import QgsRenderContext

    from pipenet.processing.report.styles import findings_renderer

    layer = findings_layer([("cross_connection", "error"), ("dangling_end", "error"), ("future_check", "warning")])
    layer.setRenderer(findings_renderer())
    errors = layer.renderer().rootRule().children()[0]
    shapes = {rule.label(): rule.symbol().symbolLayer(0).shape() for rule in errors.children()}
    assert shapes["illicit connections"] != shapes["topology"] and "other" in shapes
    context = QgsRenderContext()
    renderer = layer.renderer()
    renderer.startRender(context, layer.fields())
    try:  # every finding drawn, a check the catalogue does not know too
        drawn = [renderer.symbolsForFeature(feature, context) for feature in layer.getFeatures()]
    finally:
        renderer.stopRender(context)
    assert [len(symbols) for symbols in drawn] == [1, 1, 1]
    assert drawn[0][0].symbolLayer(0).shape() != drawn[1][0].symbolLayer(0).shape()
