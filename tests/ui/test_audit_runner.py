"""The audit from the toolbar: a folder remembered in the project, a background task, layers back in a group."""

import time

from qgis.core import QgsApplication, QgsProject


def wait_for(condition, seconds=120):
    deadline = time.time() + seconds
    while not condition() and time.time() < deadline:
        QgsApplication.processEvents()
        time.sleep(0.02)
    return condition()


def test_toolbar_audit_runs_in_the_background_and_adds_its_layers(desktop, tmp_path):
    plugin, pipes, _, _ = desktop
    out = tmp_path / "audit"
    plugin.audit.choose_folder = lambda: str(out)
    finished = []
    plugin.audit.finished.connect(lambda ok, results: finished.append((ok, results)))
    action = next(a for a in plugin.actions if a.objectName() == "PipeNetAudit")
    action.trigger()
    assert plugin.audit.task is not None
    assert wait_for(lambda: finished), "the audit task did not finish"
    ok, results = finished[0]
    assert ok and (out / "summary.html").exists() and (out / "pipenet_audit.gpkg").exists()
    assert plugin.audit.remembered_folder() == str(out)
    group = plugin.audit.group
    names = [node.name() for node in group.findLayers()]
    assert "Findings" in names and "Pipes by system" in names
    assert all(node.layer().isValid() for node in group.findLayers())
    assert all(QgsProject.instance().mapLayer(node.layerId()) is not None for node in group.findLayers())


def test_a_second_run_replaces_the_first_ones_layers(desktop, tmp_path):
    plugin, _, _, _ = desktop
    out = tmp_path / "audit"
    finished = []
    plugin.audit.finished.connect(lambda ok, results: finished.append(ok))
    for run in range(2):
        plugin.audit.start(str(out))
        assert wait_for(lambda run=run: len(finished) > run)
    assert finished == [True, True]
    sources = [layer.source() for layer in QgsProject.instance().mapLayers().values()
               if "pipenet_audit.gpkg" in layer.source()]
    assert len(sources) == len(plugin.audit.group.findLayers())


def test_no_pipe_layer_no_run(desktop):
    plugin, _, _, _ = desktop
    plugin.dock.pipes_box.setLayer(None)
    plugin.session.set_layers(None, None)
    plugin.audit.choose_folder = lambda: (_ for _ in ()).throw(AssertionError("asked"))
    assert plugin.audit.run() is None
