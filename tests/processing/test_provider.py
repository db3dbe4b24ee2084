"""The provider registers from initProcessing without iface, and our processing/ never shadows QGIS's."""

import importlib
from pathlib import Path

from qgis.core import QgsApplication

ROOT = Path(__file__).resolve().parents[2]


def test_import_processing_is_qgis_own(pipenet_plugin):
    processing = importlib.import_module("processing")
    assert not Path(processing.__file__).resolve().is_relative_to(ROOT), processing.__file__
    from qgis import processing as qgis_processing

    assert hasattr(qgis_processing, "run")


def test_provider_registered_with_stable_ids(pipenet_plugin):
    provider = QgsApplication.processingRegistry().providerById("pipenet")
    assert provider is not None and provider.name() == "PipeNet"
    ids = [algorithm.id() for algorithm in provider.algorithms()]
    assert "pipenet:buildnetwork" in ids
    for algorithm in provider.algorithms():
        assert algorithm.id() == algorithm.id().lower()
        assert algorithm.groupId() == algorithm.groupId().lower()
        assert algorithm.shortHelpString()
        for parameter in algorithm.parameterDefinitions():
            assert parameter.name() == parameter.name().upper()


def test_unload_removes_provider_and_gui_entries(pipenet_plugin, qgis_iface):
    import pipenet

    registry = QgsApplication.processingRegistry()
    pipenet_plugin.unload()  # the session's copy steps aside; it comes back below
    try:
        plugin = pipenet.classFactory(qgis_iface)
        plugin.initGui()
        assert registry.providerById("pipenet") is not None
        assert plugin.actions and plugin.toolbar is not None
        plugin.unload()
        assert registry.providerById("pipenet") is None
        assert plugin.actions == [] and plugin.toolbar is None
    finally:
        pipenet_plugin.initProcessing()
    assert registry.providerById("pipenet") is not None
