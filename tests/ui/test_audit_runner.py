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


def test_the_projects_cctv_defects_and_overflow_events_go_into_the_audit(desktop, tmp_path, write_layer):
    from osgeo import ogr
    from qgis.core import QgsVectorLayer

    plugin, pipes, nodes, _ = desktop
    x0, y0 = 500000.0, 3400000.0
    defects = write_layer("cctv", "Point", [("管段编号", "str"), ("缺陷代码", "str"), ("等级", "int")],
                          [{"管段编号": "G1", "缺陷代码": "PL", "等级": 3, "wkt": f"POINT ({x0 + 20} {y0})"}],
                          epsg=4549, path=tmp_path / "cctv.gpkg")
    events = write_layer("overflow", "Point", [("溢流量", "float")],
                         [{"溢流量": 12.0, "wkt": f"POINT ({x0 + 120} {y0 + 1})"},
                          {"溢流量": 3.0, "wkt": f"POINT ({x0 + 130} {y0 - 1})"}],
                         epsg=4549, path=tmp_path / "events.gpkg")
    cctv = QgsVectorLayer(str(defects), "CCTV 检测", "ogr")
    overflow = QgsVectorLayer(str(events), "溢流事件", "ogr")
    unrelated = QgsVectorLayer(str(events), "parcels", "ogr")  # points, but not named as events
    QgsProject.instance().addMapLayers([unrelated, cctv, overflow])
    out = tmp_path / "audit"
    parameters = plugin.audit.parameters(str(out))
    assert parameters["DEFECTS"] == cctv.id() and parameters["EVENTS"] == overflow.id()
    finished = []
    plugin.audit.finished.connect(lambda ok, results: finished.append((ok, results)))
    plugin.audit.start(str(out))
    assert not plugin.dock.audit_button.isEnabled()  # the panel says it runs; no second audit meanwhile
    assert wait_for(lambda: finished)
    assert finished[0][0] and plugin.dock.audit_button.isEnabled()
    written = ogr.Open(finished[0][1]["GPKG"])
    assert written.GetLayerByName("events").GetFeatureCount() == 2
    # the audit's own outputs in the project are never taken for its inputs next time
    again = plugin.audit.parameters(str(out))
    assert again["EVENTS"] == overflow.id()
    QgsProject.instance().removeMapLayers([cctv.id(), overflow.id()])
    assert "EVENTS" not in plugin.audit.parameters(str(out)) and "DEFECTS" not in plugin.audit.parameters(str(out))
    # after the audit the panel shows the audited network's findings
    assert wait_for(lambda: plugin.session.run is not None and plugin.dock.table.rowCount() > 0)
    assert not plugin.dock.table.item(0, 0).icon().isNull()  # the finding's map marker
