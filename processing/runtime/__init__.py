"""How algorithms run: background work, GDAL settings, memory, the network cache, QGIS version shims."""
