"""The PipeNet panel and map tools on a real canvas, driven with synthetic mouse and key events."""

from qgis.core import QgsFeature, QgsPointXY, QgsProject, QgsVectorLayer
from qgis.gui import QgsMapMouseEvent
from qgis.PyQt.QtCore import QEvent, QPoint, Qt
from qgis.PyQt.QtGui import QKeyEvent


def click(canvas, tool, x, y, shift=False):
    pixel = canvas.getCoordinateTransform().transform(QgsPointXY(x, y))
    modifiers = Qt.ShiftModifier if shift else Qt.NoModifier
    event = QgsMapMouseEvent(canvas, QEvent.MouseButtonRelease, QPoint(int(pixel.x()), int(pixel.y())),
                             Qt.LeftButton, Qt.LeftButton, modifiers)
    tool.canvasReleaseEvent(event)


def test_upstream_tool_highlights_and_summarises(desktop):
    plugin, _, _, canvas = desktop
    tool = plugin.tools["upstream"]
    canvas.setMapTool(tool)
    click(canvas, tool, 500050.0, 3400000.0)  # manhole Y2
    assert tool.starts == ["Y2"] and tool.pipes == {"G1", "G4", "S1", "S2"}
    assert tool.lines.asGeometry().constGet().numGeometries() == 4
    assert "Y2" in plugin.dock.summary.text() and "4" in plugin.dock.summary.text()
    click(canvas, tool, 500100.0, 3400100.0, shift=True)  # W3 added
    assert tool.starts == ["Y2", "W3"] and "G5" in tool.pipes
    tool.keyPressEvent(QKeyEvent(QEvent.KeyPress, Qt.Key_Escape, Qt.NoModifier))
    assert tool.starts == [] and tool.lines.asGeometry().isEmpty()


def test_downstream_tool_reaches_the_outfall(desktop):
    plugin, _, _, canvas = desktop
    tool = plugin.tools["downstream"]
    click(canvas, tool, 500000.0, 3400100.0)  # W1
    assert tool.pipes == {"S1", "S2", "G4", "G2", "G3"}
    assert "OUT" in plugin.dock.summary.text()


def test_click_far_from_any_node(desktop):
    plugin, _, _, canvas = desktop
    tool = plugin.tools["upstream"]
    click(canvas, tool, 500330.0, 3400160.0)  # over 100 m from every node, 12 px is about 80 m here
    assert tool.pipes == set() and plugin.dock.summary.text()


def test_panel_state_findings_and_rebuild_after_edit(desktop):
    plugin, pipes, _, _ = desktop
    session = plugin.session
    assert session.network_run() is not None
    plugin.dock.refresh_state()
    assert "8 pipes" in plugin.dock.state.text()
    table = plugin.dock.table
    shown = [f for f in plugin.dock.findings if f.severity in ("error", "warning")]
    assert table.rowCount() == len(shown) > 0  # notes only when asked for
    checks = [plugin.dock.filter_box.itemData(i) for i in range(plugin.dock.filter_box.count())]
    assert "cross_connection" in checks
    plugin.dock.filter_box.setCurrentIndex(checks.index("cross_connection"))
    assert {table.item(r, 0).text() for r in range(table.rowCount())} == {"Storm/sanitary cross-connection"}
    plugin.dock.zoom_to_finding(0)
    pipes.startEditing()
    pipes.deleteFeature(next(pipes.getFeatures()).id())
    assert session.run is None  # stale at once, rebuilt on next use
    pipes.rollBack()


def test_layers_remembered_in_project(desktop):
    plugin, pipes, nodes, _ = desktop
    assert plugin.session.pipes_layer() is pipes and plugin.session.nodes_layer() is nodes
    entry, _ = QgsProject.instance().readEntry("PipeNet", "pipes", "")
    assert entry == pipes.id()


def test_unload_removes_dock_tools_and_actions(desktop, qgis_iface):
    plugin, _, _, canvas = desktop
    canvas.setMapTool(plugin.tools["upstream"])
    plugin.unload()
    assert plugin.dock is None and plugin.tools == {} and plugin.actions == []
    assert canvas.mapTool() is None or canvas.mapTool().__class__.__name__ != "TraceMapTool"
    plugin.initGui()  # the fixture unloads again


def test_break_tool_shows_segment_and_valves(pipenet_plugin, qgis_iface, qgis_canvas, water_network):
    import pipenet

    pipes = QgsVectorLayer(water_network[0], "mains", "ogr")
    nodes = QgsVectorLayer(water_network[1], "valves", "ogr")
    QgsProject.instance().addMapLayers([pipes, nodes])
    qgis_canvas.setDestinationCrs(pipes.crs())
    qgis_canvas.setExtent(pipes.extent().buffered(20))
    pipenet_plugin.unload()
    plugin = pipenet.classFactory(qgis_iface)
    try:
        plugin.initGui()
        plugin.dock.pipes_box.setLayer(pipes)
        plugin.dock.nodes_box.setLayer(nodes)
        tool = plugin.tools["break"]
        click(qgis_canvas, tool, 500090.0, 3400001.0)  # on main M2
        assert tool.pipes == {"M1", "M2", "M3", "S1", "M5"}
        assert tool.points.numberOfVertices() == 3  # V1, V2, V3 marked
        assert "V1, V2, V3" in plugin.dock.summary.text()
    finally:
        plugin.unload()
        pipenet_plugin.initProcessing()
        QgsProject.instance().removeAllMapLayers()


def test_panel_prefills_analyses(desktop):
    plugin, pipes, nodes, canvas = desktop
    ids = [plugin.dock.analysis_box.itemData(i) for i in range(plugin.dock.analysis_box.count())]
    assert {"pipenet:connectivity", "pipenet:upstreamtrace", "pipenet:networkaudit"} <= set(ids)
    tool = plugin.tools["upstream"]
    canvas.setMapTool(tool)
    click(canvas, tool, 500050.0, 3400000.0)
    parameters = plugin.dock.analysis_parameters()
    assert parameters["PIPES"] == pipes.id() and parameters["NODES"] == nodes.id()
    assert parameters["START_NODES"] == "Y2"


def test_large_networks_build_in_a_task_and_answer_the_click(desktop, monkeypatch):
    import time

    from qgis.core import QgsApplication

    from pipenet.ui import session as session_module

    plugin, _, _, canvas = desktop
    monkeypatch.setattr(session_module, "LARGE", 0)
    plugin.session.run = None
    tool = plugin.tools["upstream"]
    click(canvas, tool, 500050.0, 3400000.0)
    assert tool.pipes == set()  # not yet: the build runs as a task
    deadline = time.time() + 20
    while not tool.pipes and time.time() < deadline:
        QgsApplication.processEvents()
        time.sleep(0.02)
    assert tool.pipes == {"G1", "G4", "S1", "S2"}


def test_findings_browser_counts_are_the_audits(desktop):
    from pipenet.network.audit import run_audit

    plugin, _, _, _ = desktop
    run = plugin.session.network_run()
    plugin.dock.refresh_state()
    # the audit's checks; it adds a note of its own when the risk register has no data to rank by
    checks = [f for f in run_audit(run.network).findings if f.check != "risk_no_data"]
    assert len(plugin.dock.findings) == len(checks)
    assert f"{len(checks)} findings" in plugin.dock.state.text()
    severity = plugin.dock.severity_box
    severity.setCurrentIndex(severity.findData(("error", "warning", "info")))
    assert plugin.dock.table.rowCount() == len(checks)


def test_zoom_is_to_a_fixed_scale_and_the_spot_stays_marked(desktop):
    from pipenet.ui.dock import FINDING_SCALE

    plugin, _, _, canvas = desktop
    plugin.session.network_run()
    plugin.dock.refresh_state()
    dock = plugin.dock
    scales = []
    for _ in range(3):
        dock.zoom_to_finding(0)
        scales.append(round(canvas.scale()))
    assert len(set(scales)) == 1 and abs(scales[0] - FINDING_SCALE) / FINDING_SCALE < 0.05
    assert dock.marker.numberOfVertices() == 1
    finding = dock.shown[0]
    marked = dock.marker.getPoint(0, 0)
    assert abs(marked.x() - finding.x) < 1e-6 and abs(marked.y() - finding.y) < 1e-6  # canvas CRS = working CRS
    dock.zoom_to_finding(1)
    assert dock.marker.numberOfVertices() == 1  # moved, not added
    item = dock.table.item(0, 3)
    assert item.toolTip().startswith(item.text())


def test_checks_named_and_both_ends_told_apart(desktop):
    from pipenet.network.model.findings import make_finding

    plugin, _, _, _ = desktop
    run = plugin.session.network_run()
    dock = plugin.dock
    line = run.network.pipe_coords["G1"]
    dock.findings = [make_finding("dangling_end", "G1", 1, xy=tuple(line[0])),
                     make_finding("dangling_end", "G1", 1, xy=tuple(line[-1]))]
    dock._fill_checks()
    assert dock.filter_box.itemText(1) == "Dangling pipe end (2)"
    features = {dock.table.item(row, 2).text() for row in range(dock.table.rowCount())}
    assert features == {"G1 (start)", "G1 (end)"}


def test_upstream_summary_counts_no_virtual_junction_as_a_manhole(desktop, write_layer):
    plugin, _, nodes, canvas = desktop
    # a pipe ending on nothing upstream of Y1 makes a virtual junction at its far end
    extra = write_layer("extra", "LineString", [("管线编号", "str")],
                        [{"管线编号": "X1", "wkt": "LINESTRING (499950 3400000, 500000 3400000)"}])
    pipes = plugin.session.pipes_layer()
    merged = QgsVectorLayer(pipes.source(), "pipes2", "ogr")
    QgsProject.instance().addMapLayer(merged)
    merged.startEditing()
    source = QgsVectorLayer(extra, "extra", "ogr")
    for feature in source.getFeatures():
        added = QgsFeature(merged.fields())
        added.setGeometry(feature.geometry())
        merged.addFeature(added)
    plugin.session.set_layers(merged, nodes)
    run = plugin.session.network_run()
    graph = run.network.graph
    virtual = [n for n in graph.nodes if graph.nodes[n].get("virtual")]
    assert virtual
    tool = plugin.tools["upstream"]
    click(canvas, tool, 500050.0, 3400000.0)  # Y2
    real = {n for n in graph.nodes if not graph.nodes[n].get("virtual")}
    assert "manholes" in plugin.dock.summary.text()
    count = int(plugin.dock.summary.text().rsplit(",", 1)[1].split()[0])
    from pipenet.network.checks.trace import trace

    traced = set(trace(graph, "Y2", "upstream").nodes) - {"Y2"}
    assert count == len(traced & real) < len(traced)
    merged.rollBack()


def test_every_toolbar_entry_has_its_own_icon_and_the_panel_waits_to_be_opened(desktop):
    from pathlib import Path

    import pipenet

    plugin, _, _, _ = desktop
    icons = [action.property("pipenet_icon") for action in plugin.actions]
    assert len(set(icons)) == len(plugin.actions) == 6
    assert all(Path(pipenet.__file__).parent.joinpath("icons", icon).exists() for icon in icons)
    assert not plugin.dock.isUserVisible()


def test_field_mapping_shows_every_field_in_pipe_and_node_sections_without_building(desktop):
    from qgis.PyQt.QtWidgets import QFormLayout, QGroupBox

    from pipenet.processing.base import NODE_FIELD_PARAMETERS, PIPE_FIELD_PARAMETERS
    from pipenet.ui.dock import FieldMappingDialog

    plugin, pipes, nodes, _ = desktop
    plugin.session.run = None
    dialog = FieldMappingDialog(plugin.session)
    assert plugin.session.run is None  # nothing was built to show it
    groups = {group.objectName(): group for group in dialog.findChildren(QGroupBox)}
    assert set(groups) == {"pipe_fields", "node_fields"}
    assert pipes.name() in groups["pipe_fields"].title() and nodes.name() in groups["node_fields"].title()
    assert len(dialog.boxes) == len(PIPE_FIELD_PARAMETERS) + len(NODE_FIELD_PARAMETERS) == 19
    labels = []
    for group in groups.values():
        form = group.layout()
        labels += [form.itemAt(row, QFormLayout.LabelRole).widget().text() for row in range(form.rowCount())]
    assert len(labels) == len(set(labels)) == 19  # no two rows called "id"
    assert dialog.boxes["PIPE_ID_FIELD"].currentField() == "管线编号"
    assert dialog.boxes["NODE_ID_FIELD"].currentField() == "点号"
    dialog.boxes["DIAMETER_FIELD"].setField("")
    dialog.accept()
    assert plugin.session.field_overrides() == {}  # detected fields are not saved as choices
