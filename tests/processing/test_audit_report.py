"""The overview map's scale bar: metres where the CRS measures them, map units where it cannot."""

import pytest


@pytest.mark.parametrize("crs_text, extent, metres", [
    ("EPSG:4549", (440000, 3360000, 446000, 3366000), True),
    ("EPSG:4326", (-72.6, 44.2, -72.5, 44.3), True),
    # a SWMM model imported without a CRS: its GeoPackage reads back as "undefined geographic"
    ('GEOGCRS["Undefined geographic SRS",DATUM["unknown",ELLIPSOID["unknown",6378137,298.257223563]],'
     'CS[ellipsoidal,2],AXIS["latitude",north],AXIS["longitude",east],ANGLEUNIT["degree",0.0174532925199433]]',
     (2336.8, 505.3, 7768.4, 9600.0), False),
])
def test_scale_bar_units(pipenet_plugin, crs_text, extent, metres):
    from qgis.core import QgsCoordinateReferenceSystem, QgsLayout, QgsProject, QgsRectangle, QgsUnitTypes

    from pipenet.processing.report import audit_report

    crs = QgsCoordinateReferenceSystem(crs_text)
    assert crs.isValid()
    layout = QgsLayout(QgsProject.instance())
    layout.initializeDefaults()
    map_item = audit_report._map_item(layout, [], QgsRectangle(*extent), crs)
    bar = audit_report._scale_bar(layout, map_item, crs)
    assert (bar.units() == QgsUnitTypes.DistanceMeters) == metres
