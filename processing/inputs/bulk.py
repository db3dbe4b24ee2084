"""Read plain file layers in bulk (GDAL's Arrow stream) instead of feature by feature through PyQGIS.

Only a layer QGIS reads straight from a file qualifies: provider ``ogr``, no unsaved edits, no
selection or feature limit asked for, and a subset string that is a plain WHERE clause. Anything
else (memory layers, databases, edit buffers, selected features) is read through PyQGIS as before.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessingFeatureSourceDefinition,
    QgsProviderRegistry,
    QgsWkbTypes,
)

from ...network.io.arrow import has_arrow, read_columns
from ...network.io.encoding import detect_dbf_encoding
from .layers import WorkingFrame, is_undefined


def bulk_columns(algorithm, parameters: dict, key: str, context, source, frame: WorkingFrame, kind: str,
                 encoding: str = "") -> Optional[tuple[Any, list[int]]]:
    """(columns in the working CRS, QGIS feature ids by position), or None to read feature by feature."""
    reader = bulk_reader(algorithm, parameters, key, context, source, kind, encoding)
    read = reader.finish(reader.read(), frame) if reader is not None else None
    return (read[0], read[1].tolist()) if read is not None else None  # plain ints: they become records' fids


class BulkReader:
    """A file layer to read in bulk: ``read()`` is GDAL and numpy only (any thread, beside other
    reading); ``finish()`` checks and places the columns with QGIS (the calling thread)."""

    def __init__(self, layer, path: str, layer_name: Optional[str], kind: str, encoding: str, subset: str,
                 expected: int, name: str):
        self.layer, self.path, self.layer_name, self.kind = layer, path, layer_name, kind
        self.encoding, self.subset, self.expected, self.name = encoding, subset, expected, name

    def read(self) -> Any:
        """The layer's columns, in the file's coordinates."""
        columns, _ = read_columns(self.path, self.layer_name, self.kind, self.encoding or None,
                                  where=self.subset or None)
        # for outputs copied from the file: only a file the bulk reader read as it is
        columns.origin = (self.path, self.layer_name, self.subset or None, self.encoding or None) \
            if columns.bulk_refusal is None else None
        return columns

    def finish(self, columns, frame: WorkingFrame) -> Optional[tuple[Any, np.ndarray]]:
        """(columns in the working CRS, QGIS feature ids by position), or None: read feature by feature."""
        if columns.count != self.expected:
            return None  # the provider sees the layer differently (a filter we did not understand)
        xy = _to_working(columns.xy, self.layer.crs(), frame)
        if xy is None:
            return None
        columns.in_source_crs = xy is columns.xy  # coordinates as in the file (outputs may be indexed from them)
        columns.xy = xy
        columns.name = self.name
        return columns, columns.source_fids


def bulk_reader(algorithm, parameters: dict, key: str, context, source, kind: str,
                encoding: str = "") -> Optional[BulkReader]:
    """A BulkReader when the layer is a plain file QGIS reads as it is, else None."""
    if source is None or not has_arrow():
        return None
    value = parameters.get(key)
    if isinstance(value, QgsProcessingFeatureSourceDefinition) and (
            value.selectedFeaturesOnly or getattr(value, "featureLimit", -1) not in (-1, None)
            or getattr(value, "filterExpression", "")):
        return None
    layer = algorithm.parameterAsVectorLayer(parameters, key, context)
    if layer is None or layer.providerType() != "ogr" or layer.isModified():
        return None
    wanted = QgsWkbTypes.LineGeometry if kind == "line" else QgsWkbTypes.PointGeometry
    if QgsWkbTypes.geometryType(source.wkbType()) != wanted:
        return None  # the feature reader gives the clear error
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    path, layer_name = parts.get("path"), parts.get("layerName")
    subset = (layer.subsetString() or "").strip()
    if not path or subset.lower().startswith("select") or (parts.get("layerId") not in (None, 0) and not layer_name):
        return None
    if path.lower().endswith(".shp"):
        encoding = encoding or detect_dbf_encoding(path) or ""
    return BulkReader(layer, path, layer_name, kind, encoding, subset, source.featureCount(),
                      _display_name(parameters, key, layer))


def _display_name(parameters: dict, key: str, layer) -> str:
    value = parameters.get(key)
    if isinstance(value, str) and "layername=" in value:
        return value.split("layername=")[1].split("|")[0]
    return layer.name()


def _to_working(xy: np.ndarray, crs: QgsCoordinateReferenceSystem, frame: WorkingFrame) -> Optional[np.ndarray]:
    """Coordinates in the working CRS (None when they cannot be transformed here)."""
    working = frame.working_crs
    if is_undefined(crs) or is_undefined(working) or crs == working:
        return xy
    try:
        from pyproj import CRS, Transformer

        from ...network.io.frames import ensure_proj_data

        ensure_proj_data()
        transformer = Transformer.from_crs(CRS.from_wkt(crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED)),
                                           CRS.from_wkt(working.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED)),
                                           always_xy=True)
    except Exception:  # no pyproj, or a CRS it cannot read: QGIS transforms feature by feature
        return None
    result = np.empty_like(xy)
    result[:, 0], result[:, 1] = transformer.transform(xy[:, 0], xy[:, 1])
    return result
