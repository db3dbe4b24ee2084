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
