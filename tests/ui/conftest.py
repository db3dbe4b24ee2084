"""The plugin with its GUI on a test canvas."""

import pytest
from qgis.core import QgsProject, QgsVectorLayer


@pytest.fixture
def desktop(pipenet_plugin, qgis_iface, qgis_canvas, small_network):
    """The plugin with its GUI on a canvas showing the small network."""
    import pipenet

    pipes = QgsVectorLayer(small_network[0], "pipes", "ogr")
    nodes = QgsVectorLayer(small_network[1], "nodes", "ogr")
    QgsProject.instance().addMapLayers([pipes, nodes])
    qgis_canvas.setDestinationCrs(pipes.crs())
    qgis_canvas.setLayers([pipes, nodes])
    qgis_canvas.resize(600, 400)
    qgis_canvas.setExtent(pipes.extent().buffered(20))
    qgis_canvas.refresh()
    pipenet_plugin.unload()
    plugin = pipenet.classFactory(qgis_iface)
    plugin.initGui()
    plugin.dock.pipes_box.setLayer(pipes)
    plugin.dock.nodes_box.setLayer(nodes)
    yield plugin, pipes, nodes, qgis_canvas
    plugin.unload()
    pipenet_plugin.initProcessing()
    QgsProject.instance().removeAllMapLayers()
