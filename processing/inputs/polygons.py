"""Polygon layers (catchments, land use, a study area) read as shapely geometries in the working CRS."""

from __future__ import annotations

from typing import Any, Optional

from qgis.core import QgsCoordinateTransform, QgsFeatureRequest, QgsGeometry

from .layers import WorkingFrame, is_undefined


def read_polygons(source, frame: WorkingFrame, context, field: Optional[str] = None) -> list[tuple[Any, Any]]:
    """(shapely polygon in the working CRS, the value of ``field``) per feature with a polygon."""
    import shapely.wkb

    transform = _to_work(source, frame, context)
    request = QgsFeatureRequest()
    if field:
        request.setSubsetOfAttributes([field], source.fields())
    else:
        request.setNoAttributes()
    polygons = []
    for feature in source.getFeatures(request):
        geometry = QgsGeometry(feature.geometry())
        if geometry.isNull() or geometry.isEmpty():
            continue
        if transform is not None:
            geometry.transform(transform)
        shape = shapely.wkb.loads(bytes(geometry.asWkb()))
        if not shape.is_valid:
            shape = shape.buffer(0)
        value = feature[field] if field else None
        polygons.append((shape, None if value is None or (hasattr(value, "isNull") and value.isNull()) else value))
    return polygons


def union_of(polygons: list[tuple[Any, Any]]):
    """The union of the polygons (None when there are none)."""
    from shapely.ops import unary_union

    shapes = [shape for shape, _ in polygons if shape is not None and not shape.is_empty]
    return unary_union(shapes) if shapes else None


def to_output_polygon(frame: WorkingFrame, shape) -> QgsGeometry:
    """A shapely polygon of the working CRS as a QGIS geometry in the output CRS (null when None)."""
    if shape is None or shape.is_empty:
        return QgsGeometry()
    geometry = QgsGeometry()
    geometry.fromWkb(shape.wkb)
    if frame.to_output is not None:
        geometry.transform(frame.to_output)
    return geometry


def _to_work(source, frame: WorkingFrame, context) -> Optional[QgsCoordinateTransform]:
    crs, working = source.sourceCrs(), frame.working_crs
    if is_undefined(crs) or is_undefined(working) or crs == working:
        return None
    return QgsCoordinateTransform(crs, working, context.transformContext())
