"""Reading and writing outside QGIS: GDAL Arrow bulk reads, geopandas frames, model files (SWMM,
EPANET, Chinese survey tables), encodings, CRS choice, WKB."""
