"""zh_CN: the translation is complete, and with QGIS in Chinese the plugin speaks Chinese."""

import importlib.util
import xml.etree.ElementTree as ET
from pathlib import Path

from qgis.core import QgsApplication, QgsSettings

ROOT = Path(__file__).resolve().parents[2]


def test_ts_covers_every_translatable_literal():
    spec = importlib.util.spec_from_file_location("update_ts", ROOT / "scripts" / "update_ts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tree = ET.parse(ROOT / "i18n" / "pipenet_zh_CN.ts")
    translated = {m.findtext("source"): m.find("translation") for m in tree.iter("message")}
    for text, where in module.literals():
        assert text in translated, f"{where}: '{text}' is not in the .ts (run make translations)"
        element = translated[text]
        assert element.get("type") != "unfinished" and element.text, f"'{text}' has no translation"
    assert (ROOT / "i18n" / "pipenet_zh_CN.qm").exists(), "make builds the .qm"


def test_plugin_in_chinese(pipenet_plugin, qgis_iface):
    import pipenet

    settings = QgsSettings()
    previous = settings.value("locale/userLocale", "")
    settings.setValue("locale/userLocale", "zh_CN")
    pipenet_plugin.unload()
    plugin = pipenet.classFactory(qgis_iface)
    try:
        plugin.initGui()
        provider = QgsApplication.processingRegistry().providerById("pipenet")
        names = {a.name(): a.displayName() for a in provider.algorithms()}
        assert names["buildnetwork"] == "构建管网（拓扑检查）"
        assert names["upstreamtrace"] == "上游追踪"
        algorithm = provider.algorithm("buildnetwork")
        assert algorithm.parameterDefinition("SNAP_TOLERANCE").description() == "吸附容差（米）"
        assert algorithm.group() == "管网"
        assert "构建管网拓扑" in algorithm.shortHelpString()
        assert plugin.dock.build_button.text() == "构建/刷新"
        assert {a.text() for a in plugin.actions} >= {"上游追踪工具", "爆管关阀工具"}
    finally:
        plugin.unload()
        settings.setValue("locale/userLocale", previous)
        pipenet_plugin.initProcessing()


def test_panel_findings_mapping_and_messages_in_chinese(pipenet_plugin, qgis_iface, small_network):
    from qgis.core import QgsProject, QgsVectorLayer

    import pipenet
    from pipenet.ui.dock import FieldMappingDialog

    settings = QgsSettings()
    previous = settings.value("locale/userLocale", "")
    settings.setValue("locale/userLocale", "zh_CN")
    pipenet_plugin.unload()
    plugin = pipenet.classFactory(qgis_iface)
    pipes = QgsVectorLayer(small_network[0], "pipes", "ogr")
    nodes = QgsVectorLayer(small_network[1], "nodes", "ogr")
    QgsProject.instance().addMapLayers([pipes, nodes])
    try:
        plugin.initGui()
        plugin.session.set_layers(None, None)
        assert plugin.session.network_run() is None and plugin.session.error == "请先选择管线图层。"
        plugin.session.set_layers(pipes, nodes)
        assert plugin.session.network_run() is not None, plugin.session.error
        plugin.dock.refresh_state()
        table = plugin.dock.table
        assert table.rowCount(), plugin.dock.state.text()
        checks = {table.item(row, 0).text() for row in range(table.rowCount())}
        severities = {table.item(row, 1).text() for row in range(table.rowCount())}
        assert "雨污混接" in checks and not any("_" in check for check in checks)
        assert severities <= {"错误", "警告"}
        assert plugin.dock.severity_box.itemText(0) == "错误和警告"
        dialog = FieldMappingDialog(plugin.session)
        labels = [box.parentWidget().layout().labelForField(box).text() for box in dialog.boxes.values()]
        assert "管径字段" in labels and all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in labels)
    finally:
        plugin.unload()
        QgsProject.instance().removeAllMapLayers()
        settings.setValue("locale/userLocale", previous)
        pipenet_plugin.initProcessing()
