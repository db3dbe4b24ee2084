"""Shipped QML styles load, follow the QGIS locale, and outputs loaded from the toolbox get styled."""

from pathlib import Path

import pytest
from qgis.core import QgsProcessingContext, QgsProject, QgsSettings, QgsVectorLayer

STYLES = Path(__file__).resolve().parents[2] / "styles"


@pytest.mark.parametrize("name", sorted(p.name for p in STYLES.glob("*.qml")))
def test_shipped_styles_load(qgis_app, name):
    geometry = "Point" if name.split(".")[0].split("_")[0] in ("findings", "heatmap", "nodes") else "LineString"
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
    assert [c.label() for c in layer.renderer().categories()] == ["错误", "警告", "提示"]


def test_findings_output_is_styled_when_loaded(pipenet_plugin, small_network):
    from qgis import processing

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    result = processing.runAndLoadResults("pipenet:buildnetwork", {
        "PIPES": small_network[0], "NODES": small_network[1], "OUTPUT_FINDINGS": "TEMPORARY_OUTPUT"},
        context=context)
    try:
        layer = QgsProject.instance().mapLayer(result["OUTPUT_FINDINGS"])
        assert layer.renderer().type() == "categorizedSymbol"
        assert layer.renderer().classAttribute() == "severity"
    finally:
        QgsProject.instance().removeAllMapLayers()
