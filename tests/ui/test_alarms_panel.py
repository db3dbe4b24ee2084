"""The panel's monitoring alarms: an alarms layer in the project is listed, choosing an alarm shows its plot."""

from pathlib import Path

from qgis.core import QgsProject, QgsVectorLayer


def test_choosing_an_alarm_shows_its_sensors_plot(desktop, tmp_path):
    from qgis import processing

    from pipenet.ui.alarms import PLOT_WIDTH

    plugin, _, _, _ = desktop
    panel = plugin.dock.alarms
    assert panel.isHidden()  # no alarms layer in the project yet
    sample = processing.run("pipenet:samplesensors", {"KM": 20, "SEED": 1, "DAYS": 21,
                                                      "OUTPUT_FOLDER": str(tmp_path / "sample")})
    network = sample["NETWORK"]
    processing.run("pipenet:sensormonitor", {
        "PIPES": f"{network}|layername=pipes", "NODES": f"{network}|layername=nodes",
        "SENSORS": f"{network}|layername=sensors", "READINGS": sample["READINGS"],
        "OUTPUT_ALARMS": str(tmp_path / "alarms.gpkg"), "OUTPUT_QC": "TEMPORARY_OUTPUT",
        "OUTPUT_FOLDER": str(tmp_path / "plots")})
    alarms = QgsVectorLayer(str(tmp_path / "alarms.gpkg"), "alarms", "ogr")
    QgsProject.instance().addMapLayer(alarms)
    assert not panel.isHidden() and panel.layer_box.currentData() == alarms.id()
    assert panel.table.rowCount() == alarms.featureCount() > 10
    row = next(i for i in range(panel.table.rowCount()) if panel.rows[i]["rule"] == "blockage")
    panel.table.setCurrentCell(row, 0)
    expected = next(f["plot"] for f in alarms.getFeatures() if f["rule"] == "blockage")
    assert panel.shown_plot == expected and Path(expected).parent == tmp_path / "plots"
    assert not panel.plot.pixmap().isNull() and panel.plot.pixmap().width() == PLOT_WIDTH
    assert panel.table.item(row, 0).text() == panel.rows[row]["sensor_id"]
    # an alarm whose plot is gone says so instead of showing another one
    other = next(i for i in range(panel.table.rowCount()) if i != row)
    Path(panel.rows[other]["plot"]).unlink()
    panel.table.setCurrentCell(other, 0)
    assert panel.shown_plot == "" and "No plot" in panel.plot.text()
    QgsProject.instance().removeMapLayer(alarms.id())
    assert panel.isHidden() and panel.table.rowCount() == 0
