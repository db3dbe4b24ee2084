"""Results back to QGIS: the GeoPackage writers (bulk path and helpers), the sink writers, CSV rows."""
