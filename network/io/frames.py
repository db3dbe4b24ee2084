"""Read pipes and nodes with geopandas (any file GDAL opens) and turn results into GeoDataFrames."""

from __future__ import annotations

import os
import sys
from typing import Any, Optional

import numpy as np

from ..model.findings import FINDING_COLUMNS
from .crs import metric_epsg_for
from .encoding import detect_dbf_encoding


def read_layer(path: str, layer: Optional[str] = None, encoding: Optional[str] = None):
    """Read a layer into a GeoDataFrame; shapefiles without a declared encoding are detected (GBK).

    """
    import geopandas

    options: dict[str, Any] = {}
    if layer is not None:
        options["layer"] = layer
    if encoding is None and str(path).lower().endswith(".shp"):
        encoding = detect_dbf_encoding(str(path))
    if encoding:
        options["encoding"] = encoding
    try:
        return geopandas.read_file(path, **options)
    except UnicodeError:  # a field name cut mid-character (a shapefile's 10-byte names)
        return read_layer_by_features(path, layer, encoding)


def read_layer_by_features(path: str, layer: Optional[str] = None, encoding: Optional[str] = None):
    """A layer as a GeoDataFrame read through OGR feature by feature: any layer OGR opens, field
    names that are not valid UTF-8 made valid (as arrow.text_name)."""
    import geopandas
    import shapely.wkb

    from .arrow import open_layer, read_features, text_name

    dataset, source = open_layer(path, layer, encoding)  # noqa: F841 (the layer needs its dataset)
    definition = source.GetLayerDefn()
    names = [text_name(definition.GetFieldDefn(i).GetName()) for i in range(definition.GetFieldCount())]
    spatial_ref = source.GetSpatialRef()
    _, attrs, blobs = read_features(source, names)
    geometries = [shapely.wkb.loads(blobs[row]) if blobs[row] else None for row in range(len(blobs))]
    return geopandas.GeoDataFrame(attrs, geometry=geometries,
                                  crs=spatial_ref.ExportToWkt() if spatial_ref is not None else None)


def ensure_proj_data() -> None:
    """Point pyproj at the system PROJ data when it runs from a venv that has none of its own.

    Debian's pyproj looks under sys.prefix, which in a --system-site-packages venv is the venv.
    """
    import pyproj

    try:
        pyproj.datadir.get_data_dir()
        return
    except Exception:  # pyproj raises DataDirError, whose import path moved between versions
        pass
    for folder in (os.path.join(sys.base_prefix, "share", "proj"), "/usr/share/proj", "/usr/local/share/proj"):
        if os.path.exists(os.path.join(folder, "proj.db")):
            pyproj.datadir.set_data_dir(folder)
            return


def working_crs(frame=None, crs=None, bounds=None) -> tuple[Any, Optional[Any]]:
    """(input CRS, metric CRS or None) chosen exactly as the QGIS algorithms choose it.

    Give a GeoDataFrame, or a CRS (anything pyproj reads) with bounds (minx, miny, maxx, maxy).
    """
    ensure_proj_data()
    from pyproj import CRS, Transformer

    if frame is not None:
        crs, bounds = frame.crs, frame.total_bounds
    if crs is None:
        return None, None
    crs = CRS.from_user_input(crs)
    units = crs.axis_info[0].unit_name if crs.axis_info else ""
    if crs.is_projected and units in ("metre", "meter"):
        return crs, None
    minx, miny, maxx, maxy = bounds
    centre = ((minx + maxx) / 2.0, (miny + maxy) / 2.0)
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(*centre)
    return crs, CRS.from_epsg(metric_epsg_for(lon, lat))


def split_source(source: Any) -> tuple[str, Optional[str]]:
    """(path, layer name) of 'file.gpkg', 'file.gpkg|layername=pipes' or ('file.gpkg', 'pipes')."""
    if isinstance(source, tuple):
        return str(source[0]), source[1]
    text = os.fspath(source)
    text = text.decode() if isinstance(text, bytes) else text
    if "|layername=" in text:
        path, rest = text.split("|layername=", 1)
        return path, rest.split("|")[0]
    return text, None


def is_path(source: Any) -> bool:
    """Whether a pipes/nodes argument names a file (rather than being a GeoDataFrame)."""
    return isinstance(source, (str, bytes, tuple)) or hasattr(source, "__fspath__")


def read_source(source: Any, kind: str) -> tuple[Any, Any, Any]:
    """(columns in the source CRS, source CRS, what pipes_frame reads later) of a path or GeoDataFrame."""
    from .arrow import has_arrow, read_columns

    if is_path(source) and has_arrow():
        path, layer = split_source(source)
        encoding = detect_dbf_encoding(path) if path.lower().endswith(".shp") else None
        columns, wkt = read_columns(path, layer, kind, encoding)
        columns.name = layer or os.path.splitext(os.path.basename(path))[0]
        return columns, wkt, (path, layer)
    frame = read_layer(*split_source(source)) if is_path(source) else source
    return frame_columns(frame, "pipes" if kind == "line" else "nodes", kind), frame.crs, frame


def frame_columns(frame, name: str, kind: str):
    """Columns of a GeoDataFrame, geometry through WKB like the file reader."""
    from ..model.columns import LineColumns, PointColumns, object_array
    from .arrow import decode_lines, decode_points

    columns = [c for c in frame.columns if c != frame.geometry.name]
    attrs = {}
    for column in columns:
        values = frame[column].to_numpy()
        if values.dtype.kind == "M":
            values = object_array([None if v != v else str(v) for v in values.astype("datetime64[s]").tolist()])
        elif values.dtype.kind not in "iufb":
            values = object_array([_plain(v) if not _is_missing(v) else None for v in values.tolist()])
        attrs[str(column)] = values
    blobs = [None if g is None or g.is_empty else g.wkb for g in frame.geometry]
    positions = np.arange(len(frame), dtype=np.int64)
    if kind == "line":
        part_feature, part_number, offsets, xy = decode_lines(blobs)
        return LineColumns(name=name, field_names=[str(c) for c in columns], fids=positions, attrs=attrs,
                           part_feature=part_feature, part_number=part_number, offsets=offsets, xy=xy)
    return PointColumns(name=name, field_names=[str(c) for c in columns], fids=positions, attrs=attrs,
                        xy=decode_points(blobs))


def bounds_of(xy: np.ndarray) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of the finite coordinates."""
    finite = xy[np.isfinite(xy).all(axis=1)]
    if not len(finite):
        return (0.0, 0.0, 0.0, 0.0)
    return (*finite.min(axis=0).tolist(), *finite.max(axis=0).tolist())


def transform_xy(xy: np.ndarray, source_crs: Any, target_crs: Any) -> np.ndarray:
    """Coordinates from one CRS to another (x/y order whatever the CRS axis order)."""
    from pyproj import CRS, Transformer

    if source_crs is None or target_crs is None or CRS.from_user_input(source_crs) == CRS.from_user_input(target_crs):
        return xy
    transformer = Transformer.from_crs(CRS.from_user_input(source_crs), CRS.from_user_input(target_crs),
                                       always_xy=True)
    result = np.empty_like(xy)
    result[:, 0], result[:, 1] = transformer.transform(xy[:, 0], xy[:, 1])
    return result


def _is_missing(value) -> bool:
    try:
        return value is None or (isinstance(value, float) and np.isnan(value))
    except TypeError:
        return False


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def pipes_frame(network, pipes) -> Any:
    """The input pipes (one row per part) with PipeNet's pn_ columns, in the input CRS."""
    import geopandas

    if isinstance(pipes, tuple):  # built from a file: read the attributes and geometry now
        pipes = read_layer(*pipes)

    table = network.table()
    systems = table.edge_values("system").tolist()
    diameters = [None if v != v else v for v in table.edge_numbers("diameter").tolist()]
    rows, geometries = [], []
    # an attribute length (管长 ...) is apportioned among a cut line's pieces by their drawn length
    length_field = network.pipe_mapping.get("length")
    for position, (geometry, attrs) in enumerate(zip(pipes.geometry, pipes.drop(columns=pipes.geometry.name)
                                                     .to_dict("records"))):
        parts = list(geometry.geoms) if geometry is not None and geometry.geom_type.startswith("Multi") \
            else [geometry]
        for result in network.pipe_results.get(position, []):
            row = table.edge_position(result.pipe_id) if result.from_node is not None else None
            rows.append({**attrs, "pn_id": result.pipe_id, "pn_part": result.part, "pn_from": result.from_node,
                         "pn_to": result.to_node, "pn_reversed": int(result.reversed),
                         "pn_dir_src": result.direction_source, "pn_length": round(result.length, 3),
                         "pn_comp": result.component, "pn_system": systems[row] if row is not None else None,
                         "pn_diam_mm": diameters[row] if row is not None else None})
            part = result.geometry_part
            geometries.append(parts[part - 1] if 0 < part <= len(parts) else geometry)
            if result.cut is not None:  # a piece of a line cut at a node or a pipe end
                geometries[-1] = _piece(geometries[-1], result.cut, network)
                if length_field is not None and isinstance(rows[-1].get(length_field), (int, float)):
                    rows[-1][length_field] = rows[-1][length_field] * result.share
    return geopandas.GeoDataFrame(rows, geometry=geometries, crs=pipes.crs)


def _piece(line, cut: tuple, network) -> Any:
    """The piece of an input line between its cut points (working coordinates; None: the line's own end)."""
    from shapely.geometry import Point
    from shapely.ops import substring

    if line is None or line.is_empty:
        return line
    places = [point for point in cut if point is not None]
    if not places:  # both ends are the line's own: the whole line
        return line
    xy = np.array(places, dtype=float).reshape(-1, 2)
    if network.metric_crs is not None and network.input_crs is not None:
        xy = transform_xy(xy, network.metric_crs, network.input_crs)
    found = iter([line.project(Point(x, y)) for x, y in xy.tolist()])
    start = next(found) if cut[0] is not None else 0.0
    end = next(found) if cut[1] is not None else line.length
    return substring(line, start, end)


def nodes_frame(network) -> Any:
    """Every graph node (input and virtual) with degree and component, in the input CRS."""
    table = network.table()
    arriving, leaving = table.degrees()
    rows = [{"pn_id": node, "pn_virtual": int(bool(virtual)), "pn_type": kind, "pn_degree": into + out,
             "pn_in": into, "pn_out": out, "pn_comp": component, "x": x, "y": y}
            for node, virtual, kind, into, out, component, x, y in zip(
                table.names, table.node_values("virtual").tolist(), table.node_values("type").tolist(),
                arriving.tolist(), leaving.tolist(), table.node_values("component").tolist(),
                table.node_numbers("x").tolist(), table.node_numbers("y").tolist())]
    return _points(network, rows)


def findings_frame(network, findings) -> Any:
    """Findings as points in the uniform findings schema, in the input CRS."""
    rows = [dict(f.as_row(), src_fid=f.fid) for f in findings]
    for row in rows:
        row.pop("fid", None)
    frame = _points(network, rows)
    return frame[[c if c != "fid" else "src_fid" for c in FINDING_COLUMNS] + ["geometry"]] if len(frame) else frame


def _points(network, rows) -> Any:
    import geopandas
    from shapely.geometry import Point

    geometries = [Point(r.pop("x"), r.pop("y")) if r.get("x") is not None else None for r in rows]
    frame = geopandas.GeoDataFrame(rows, geometry=geometries, crs=network.metric_crs or network.input_crs)
    if network.metric_crs is not None and network.input_crs is not None:
        frame = frame.to_crs(network.input_crs)
    return frame
