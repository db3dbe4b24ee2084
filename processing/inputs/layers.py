"""Adapt QGIS feature sources to the core's records (metric working CRS) and results back to sinks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsRectangle,
    QgsWkbTypes,
)

from ...network.io.crs import metric_epsg_for, needs_metric_transform
from ...network.model.records import LayerData, NodeRecord, PipeRecord
from ..runtime.compat import field_type, is_metre_crs

PREFIX = "pn_"


@dataclass
class WorkingFrame:
    """How input coordinates map to the metric working CRS and back to the output CRS."""

    output_crs: QgsCoordinateReferenceSystem
    to_work: Optional[QgsCoordinateTransform]
    to_output: Optional[QgsCoordinateTransform]
    description: str

    @property
    def working_crs(self) -> QgsCoordinateReferenceSystem:
        """The metric CRS the network is built in."""
        return self.to_work.destinationCrs() if self.to_work is not None else self.output_crs


def is_undefined(crs: QgsCoordinateReferenceSystem) -> bool:
    """No CRS, or the 'Undefined geographic/Cartesian SRS' GeoPackage writes for layers without one."""
    return not crs.isValid() or (not crs.authid() and crs.description().lower().startswith("undefined"))


def working_frame(source, context) -> WorkingFrame:
    """Pick the metric CRS for tolerances; unknown CRSs are taken as planar metres."""
    crs = source.sourceCrs()
    if is_undefined(crs):
        return WorkingFrame(crs, None, None, "unknown CRS: coordinates taken as planar metres")
    if not needs_metric_transform(crs.isGeographic(), is_metre_crs(crs)):
        return WorkingFrame(crs, None, None, f"{crs.authid() or crs.description()} (metres)")
    extent = _extent(source)
    if crs.isGeographic() and _usable(extent) and not (
            -180.5 <= extent.xMinimum() and extent.xMaximum() <= 360.5 and -90.5 <= extent.yMinimum()
            and extent.yMaximum() <= 90.5):
        return WorkingFrame(crs, None, None, f"{crs.description()} holds coordinates that are not degrees: "
                                             "taken as planar metres")
    to_wgs84 = QgsCoordinateTransform(crs, QgsCoordinateReferenceSystem("EPSG:4326"),
                                      context.transformContext())
    centre = to_wgs84.transform(extent.center()) if _usable(extent) else QgsPointXY(0, 0)
    metric = QgsCoordinateReferenceSystem(f"EPSG:{metric_epsg_for(centre.x(), centre.y())}")
    forward = QgsCoordinateTransform(crs, metric, context.transformContext())
    backward = QgsCoordinateTransform(metric, crs, context.transformContext())
    return WorkingFrame(crs, forward, backward,
                        f"{crs.authid()} measured in {metric.authid()} ({metric.description()})")


def _extent(source) -> QgsRectangle:
    """The source extent, or the extent of its first features when the provider reports none."""
    extent = source.sourceExtent()
    if _usable(extent):
        return extent
    combined = None
    request = QgsFeatureRequest().setNoAttributes().setLimit(1000)
    for feature in source.getFeatures(request):
        if feature.hasGeometry():
            box = feature.geometry().boundingBox()
            # a default QgsRectangle is (0, 0, 0, 0) on QGIS 3.22: start from the first box
            combined = QgsRectangle(box) if combined is None else combined
            combined.combineExtentWith(box)
    return combined if combined is not None else extent


def _usable(extent: Optional[QgsRectangle]) -> bool:
    # isEmpty() is also true for a one-line network along a parallel, so test for "no extent"
    return extent is not None and not extent.isNull() and extent.isFinite() and \
        (extent.xMinimum(), extent.xMaximum(), extent.yMinimum(), extent.yMaximum()) != (0, 0, 0, 0)


def python_value(value: Any) -> Any:
    """Turn QVariant nulls and Qt date/time values into plain Python values for the core."""
    if value is None:
        return None
    is_null = getattr(value, "isNull", None)
    if callable(is_null) and is_null():
        return None
    for method in ("toPyDateTime", "toPyDate"):
        convert = getattr(value, method, None)
        if callable(convert):
            return convert().isoformat()
    if type(value).__name__ == "QTime":
        return value.toString()
    return value


def _check_geometry_type(source, name: str, wanted, label: str) -> None:
    actual = QgsWkbTypes.geometryType(source.wkbType())
    if actual != wanted:
        raise QgsProcessingException(
            f"Layer '{name}' has {QgsWkbTypes.displayString(source.wkbType())} geometry; "
            f"{label} needs {QgsWkbTypes.geometryDisplayString(wanted)} features.")


def line_parts(geometry: QgsGeometry) -> list[QgsGeometry]:
    """Single-part line geometries of a (multi)line, curves kept as they are."""
    if geometry is None or geometry.isNull() or geometry.isEmpty():
        return []
    if geometry.isMultipart():
        collection = geometry.constGet()
        return [QgsGeometry(collection.geometryN(i).clone()) for i in range(collection.numGeometries())]
    return [geometry]


def read_pipes(source, name: str, frame: WorkingFrame, feedback,
               progress_span=(0, 30)) -> tuple[LayerData, list[int]]:
    """Read a line source into PipeRecords (working CRS) and the feature ids by position."""
    _check_geometry_type(source, name, QgsWkbTypes.LineGeometry, "PIPES")
    field_names = source.fields().names()
    records, fids = [], []
    total = max(source.featureCount(), 1)
    for count, feature in enumerate(source.getFeatures(QgsFeatureRequest())):
        if count % 2000 == 0:
            if feedback.isCanceled():
                break
            feedback.setProgress(progress_span[0] + (progress_span[1] - progress_span[0]) * count / total)
        parts = []
        for part in line_parts(feature.geometry()):
            if part.constGet().hasCurvedSegments():
                part = QgsGeometry(part.constGet().segmentize())
            if frame.to_work is not None:
                part.transform(frame.to_work)
            parts.append([(p.x(), p.y()) for p in part.asPolyline()])
        attrs = {key: python_value(value) for key, value in zip(field_names, feature.attributes())}
        # Records are keyed by position: real data has repeated feature ids (GeoJSON "id": 0).
        records.append(PipeRecord(count, [p for p in parts if p], attrs))
        fids.append(feature.id())
    return LayerData(name, field_names, records), fids


def note_reprojection(source, name: str, frame: WorkingFrame, feedback) -> Optional[QgsCoordinateReferenceSystem]:
    """The working CRS when a node layer must be reprojected into it (and say so), else None."""
    working_crs = frame.working_crs
    if is_undefined(source.sourceCrs()) or is_undefined(working_crs) or source.sourceCrs() == working_crs:
        return None
    feedback.pushInfo(f"Layer '{name}' is in {source.sourceCrs().authid()}; reprojected to "
                      f"{working_crs.authid()} to match the pipes.")
    return working_crs


def read_nodes(source, name: str, frame: WorkingFrame, context, feedback) -> tuple[LayerData, list[int]]:
    """Read a point source into NodeRecords (working CRS, reprojected when CRSs differ) and fids."""
    _check_geometry_type(source, name, QgsWkbTypes.PointGeometry, "NODES")
    field_names = source.fields().names()
    transform = None
    working_crs = note_reprojection(source, name, frame, feedback)
    if working_crs is not None:
        transform = QgsCoordinateTransform(source.sourceCrs(), working_crs, context.transformContext())
    records, fids = [], []
    for count, feature in enumerate(source.getFeatures()):
        if count % 5000 == 0 and feedback.isCanceled():
            break
        geometry = feature.geometry()
        xy = None
        if geometry is not None and not geometry.isNull() and not geometry.isEmpty():
            if transform is not None:
                geometry = QgsGeometry(geometry)
                geometry.transform(transform)
            point = geometry.constGet()
            if geometry.isMultipart():
                point = point.geometryN(0)
            xy = (point.x(), point.y())
        attrs = {key: python_value(value) for key, value in zip(field_names, feature.attributes())}
        records.append(NodeRecord(count, xy, attrs))
        fids.append(feature.id())
    return LayerData(name, field_names, records), fids


def points_in_working_crs(source, frame: WorkingFrame, context) -> list[tuple[int, tuple[float, float]]]:
    """(feature id, (x, y)) of every point of a source, in the working CRS; null geometries skipped."""
    working = frame.working_crs
    transform = None
    if not is_undefined(source.sourceCrs()) and not is_undefined(working) and source.sourceCrs() != working:
        transform = QgsCoordinateTransform(source.sourceCrs(), working, context.transformContext())
    found = []
    for feature in source.getFeatures():
        geometry = QgsGeometry(feature.geometry())
        if geometry.isNull() or geometry.isEmpty():
            continue
        if transform is not None:
            geometry.transform(transform)
        point = geometry.constGet()
        if geometry.isMultipart():
            point = point.geometryN(0)
        found.append((feature.id(), (point.x(), point.y())))
    return found


def to_output_geometry(frame: WorkingFrame, x: Optional[float], y: Optional[float]) -> QgsGeometry:
    """Point geometry in the output CRS from working-CRS coordinates (null when unknown)."""
    if x is None or y is None:
        return QgsGeometry()
    point = QgsPointXY(x, y)
    if frame.to_output is not None:
        point = frame.to_output.transform(point)
    return QgsGeometry.fromPointXY(point)


def piece_geometry(geometry: Optional[QgsGeometry], cut: tuple, frame: WorkingFrame) -> Optional[QgsGeometry]:
    """The piece of an input line between its cut points (working coordinates; None: the line's own
    end), in the line's own CRS, Z, M and curves kept (a line cut at a node or a pipe end)."""
    if geometry is None or geometry.isNull() or geometry.isEmpty():
        return geometry
    places = []
    for point in cut:
        if point is None:
            places.append(None)
            continue
        xy = QgsPointXY(*point)
        if frame.to_output is not None:
            xy = frame.to_output.transform(xy)
        places.append(geometry.lineLocatePoint(QgsGeometry.fromPointXY(xy)))
    start = places[0] if places[0] is not None else 0.0
    end = places[1] if places[1] is not None else geometry.length()
    piece = geometry.constGet().curveSubstring(start, end)
    return QgsGeometry(piece) if piece is not None else geometry


@dataclass(frozen=True)
class KeptField:
    """An input attribute carried into an output: its position and name in the input, its name there."""

    index: int
    source: str
    name: str


def _is_own_key(field: QgsField) -> bool:
    """The input's own feature key called ``fid`` (a GeoPackage's): the output has a key of its own.

    QGIS marks a provider's key NOT NULL and UNIQUE; an attribute that is merely called fid (a
    GeoJSON property, a shapefile column) is not, and is kept.
    """
    constraints = field.constraints()
    return field.name().lower() == "fid" and all(
        constraints.constraintOrigin(kind) == constraints.ConstraintOriginProvider
        for kind in (constraints.ConstraintNotNull, constraints.ConstraintUnique))


def kept_fields(input_fields: Optional[QgsFields], written: Sequence[str]) -> list[KeptField]:
    """The input attributes an output keeps beside the columns PipeNet ``written`` there.

    Every attribute is kept. A name that collides with the output's key (``fid``), with a PipeNet
    column, or with a kept name differing only in case (GeoPackage names are case-insensitive) is
    renamed ``name_1`` (``_2`` ...), except a ``pn_`` column PipeNet writes again: that is an
    earlier run's result, replaced by this run's. The input's own GeoPackage key is not an attribute.

    Examples
    --------
    >>> from qgis.core import QgsField, QgsFields
    >>> fields = QgsFields()
    >>> for name in ("fid", "pn_note", "pn_from", "Name", "name"):
    ...     _ = fields.append(QgsField(name))
    >>> [(f.source, f.name) for f in kept_fields(fields, ["pn_id", "pn_from"])]
    [('fid', 'fid_1'), ('pn_note', 'pn_note'), ('Name', 'Name'), ('name', 'name_1')]
    """
    if input_fields is None:
        return []
    taken = {"fid"} | {name.lower() for name in written}
    kept = []
    for index, field in enumerate(input_fields):
        name = field.name()
        if _is_own_key(field) or (name.lower().startswith(PREFIX) and name.lower() in taken - {"fid"}):
            continue
        output, suffix = name, 0
        while output.lower() in taken:
            suffix += 1
            output = f"{name}_{suffix}"
        taken.add(output.lower())
        kept.append(KeptField(index, name, output))
    return kept


def field_changes(input_fields: Optional[QgsFields], written: Sequence[str]) -> tuple[list[str], list[str]]:
    """(renamed as "old -> new", replaced earlier pn_ columns) of kept_fields, for the log."""
    kept = kept_fields(input_fields, written)
    renamed = [f"{field.source} -> {field.name}" for field in kept if field.source != field.name]
    kept_names = {field.source for field in kept}
    replaced = [field.name() for field in input_fields or [] if field.name() not in kept_names
                and not _is_own_key(field)]
    return renamed, replaced


def output_fields(input_fields: Optional[QgsFields], extra: list[tuple[str, str]]) -> QgsFields:
    """Input fields (kept_fields: renamed where they collide) followed by PipeNet's prefixed fields."""
    fields = QgsFields()
    for kept in kept_fields(input_fields, [name for name, _ in extra]):
        field = QgsField(input_fields.at(kept.index))
        field.setName(kept.name)
        fields.append(field)
    for name, kind in extra:
        fields.append(QgsField(name, field_type(kind)))
    return fields


def kept_indices(input_fields: QgsFields, extra: list[tuple[str, str]]) -> list[int]:
    """Positions of the input attributes output_fields keeps (work them out once per layer)."""
    return [kept.index for kept in kept_fields(input_fields, [name for name, _ in extra])]


def kept_values(feature: QgsFeature, indices: list[int]) -> list[Any]:
    """The feature's attribute values at the kept positions (kept_indices)."""
    values = feature.attributes()
    return [values[index] for index in indices]


def add_feature(sink, feature: QgsFeature, sink_id: str) -> None:
    """Add a feature to a sink or fail with the sink's own error."""
    if not sink.addFeature(feature, QgsFeatureSink.FastInsert):
        error = getattr(sink, "lastError", lambda: "")()
        raise QgsProcessingException(f"Could not write to {sink_id}: {error}")
