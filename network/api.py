"""The Python API entry point: build a Network from GeoDataFrames, file paths or raw records."""

from __future__ import annotations

import warnings
from typing import Any, Optional

from ._errors import PipeNetInputError
from .build.builder import build_network as build_from_records
from .model.network import Network
from .model.records import BuildOptions, LayerData, Progress, check_distance

SOURCES = "a GeoDataFrame, a path ('pipes.gpkg', 'file.gpkg|layername=pipes'), (path, layer name) or LayerData"
GEOMETRIES = {"pipes": ("LineString", "MultiLineString", "LinearRing"), "nodes": ("Point", "MultiPoint")}
KINDS = {"pipes": "lines", "nodes": "points"}


def build_network(
    pipes: Any,  # GeoDataFrame, path, 'file.gpkg|layername=pipes', (path, layer) or LayerData
    nodes: Any = None,
    snap_tolerance: Optional[float] = None,
    fields: Optional[dict] = None,
    node_fields: Optional[dict] = None,
    near_miss_distance: Optional[float] = None,
    options: Optional[BuildOptions] = None,
    progress: Optional[Progress] = None,
) -> Network:
    """Build a Network from GeoDataFrames, paths (any file GDAL opens) or LayerData records.

    Tolerances are metres whatever the CRS: geographic data is measured in UTM (or CGCS2000
    Gauss-Krüger in China), exactly as the QGIS algorithms do, and outputs stay in the input CRS.

    >>> import geopandas
    >>> from shapely.geometry import LineString
    >>> pipes = geopandas.GeoDataFrame({"管线编号": ["G1", "G2"], "管径": ["DN300", "DN400"]},
    ...     geometry=[LineString([(0, 0), (40, 0)]), LineString([(40, 0.2), (80, 0)])], crs="EPSG:4549")
    >>> net = build_network(pipes)
    >>> sorted(net.graph.edges(keys=True))
    [('V1', 'V2', 'G1'), ('V2', 'V3', 'G2')]
    >>> net.pipes_frame()[["管线编号", "pn_from", "pn_to", "pn_diam_mm"]].values.tolist()
    [['G1', 'V1', 'V2', 300.0], ['G2', 'V2', 'V3', 400.0]]
    """
    options = options or BuildOptions()
    if not isinstance(options, BuildOptions):
        raise PipeNetInputError(f"options must be a BuildOptions, not {type(options).__name__}.",
                                field_name="options")
    if snap_tolerance is not None:
        options.snap_tolerance = check_distance("snap_tolerance", snap_tolerance)
    if near_miss_distance is not None:
        options.near_miss_distance = check_distance("near_miss_distance", near_miss_distance)
    if fields:
        options.pipe_fields = _field_mapping("fields", fields)
    if node_fields:
        options.node_fields = _field_mapping("node_fields", node_fields)
    for message in options.validate():
        warnings.warn(message, UserWarning, stacklevel=2)
    check_source("pipes", pipes)
    if nodes is not None:
        check_source("nodes", nodes)
    if isinstance(pipes, LayerData):
        return build_from_records(pipes, nodes, options, progress)

    from .io.frames import bounds_of, read_source, transform_xy, working_crs

    pipe_columns, pipe_crs, pipe_origin = read_source(pipes, "line")
    input_crs, metric = working_crs(crs=pipe_crs, bounds=bounds_of(pipe_columns.xy))
    if metric is not None:
        pipe_columns.xy = transform_xy(pipe_columns.xy, input_crs, metric)
    node_columns, node_origin = None, None
    if nodes is not None:
        node_columns, node_crs, node_origin = read_source(nodes, "point")
        target = metric or input_crs
        if target is not None and node_crs is not None:
            node_columns.xy = transform_xy(node_columns.xy, node_crs, target)
    network = build_from_records(pipe_columns, node_columns, options, progress)
    network.input_crs, network.metric_crs = input_crs, metric
    network.sources = {"pipes": pipe_origin, "nodes": node_origin}
    network.set_crs(input_crs.to_wkt() if input_crs is not None else None)
    return network


def _field_mapping(name: str, mapping: Any) -> dict:
    """A field mapping as a dict of role to field name, or PipeNetInputError naming the argument."""
    if not isinstance(mapping, dict) or not all(isinstance(key, str) and (value is None or isinstance(value, str))
                                                for key, value in mapping.items()):
        raise PipeNetInputError(f"{name} must be a dict of role to field name, such as "
                                f"{{'id': '管线编号', 'diameter': '管径'}}, not {mapping!r}.", field_name=name)
    return dict(mapping)


def check_source(name: str, source: Any) -> None:
    """Raise PipeNetInputError when ``source`` cannot be the pipes (or nodes) layer: None, a table
    without geometry, or geometries of the wrong kind (points or polygons as pipes, lines as nodes)."""
    from .io.frames import is_path

    if source is None:
        raise PipeNetInputError(f"{name} is None: give {SOURCES}.", layer=name)
    if isinstance(source, LayerData) or is_path(source):
        return
    geometry = getattr(source, "geometry", None) if hasattr(source, "columns") else None
    if geometry is None or not hasattr(geometry, "geom_type"):
        if hasattr(source, "columns"):
            raise PipeNetInputError(
                f"{name} has no geometry column ({type(source).__name__} with columns "
                f"{list(source.columns)[:8]}): give a GeoDataFrame of {KINDS[name]}, e.g. "
                "geopandas.GeoDataFrame(frame, geometry=..., crs=...).", layer=name)
        raise PipeNetInputError(f"{name} is a {type(source).__name__}: give {SOURCES}.", layer=name)
    types = geometry.geom_type.dropna()
    wrong = types[~types.isin(GEOMETRIES[name])]
    if len(wrong):
        found = ", ".join(f"{kind} ({count})" for kind, count in wrong.value_counts().items())
        raise PipeNetInputError(f"{name} holds {found} geometries where {KINDS[name]} are expected: give the "
                                f"{'line' if name == 'pipes' else 'point'} layer as {name}.", layer=name)
