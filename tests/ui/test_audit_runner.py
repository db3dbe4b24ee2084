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


def test_an_audit_project_opens_on_its_pipes_by_system_and_nodes(desktop, tmp_path):
    from pipenet.processing.report.audit_report import project_layers
    from pipenet.ui.session import NetworkSession

    plugin, _, _, _ = desktop
    finished = []
    plugin.audit.finished.connect(lambda ok, results: finished.append(results))
    plugin.audit.start(str(tmp_path / "audit"))
    assert wait_for(lambda: finished)
    project = QgsProject()
    layers = project_layers(finished[0]["GPKG"])
    by_name = {layer.name(): layer for layer in layers}
    # the order a project may list them in: risk and findings before the pipes and nodes
    project.addMapLayers([by_name[name] for name in ("Risk register", "Findings", "Pipes by system", "Nodes")])
    pipes, nodes = NetworkSession(project).guess_layers()
    assert pipes.name() == "Pipes by system" and nodes.name() == "Nodes"


def test_build_and_audit_are_given_the_panels_layers_and_mapping(desktop, tmp_path):
    plugin, pipes, nodes, _ = desktop
    plugin.session.set_field_override("SYSTEM_FIELD", "管线类别")
    parameters = plugin.audit.parameters(str(tmp_path))
    assert parameters["PIPES"] == pipes.id() and parameters["NODES"] == nodes.id()
    assert parameters["SYSTEM_FIELD"] == "管线类别" and parameters["OUTPUT_FOLDER"] == str(tmp_path)
    assert plugin.session.layer_parameters() == {"PIPES": pipes.id(), "NODES": nodes.id(), "SYSTEM_FIELD": "管线类别"}
    plugin.session.set_field_override("SYSTEM_FIELD", "")
