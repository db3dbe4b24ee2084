"""QGIS layers to the core: reading features and columns in bulk, encodings, model imports, observations."""
