"""The Python API entry point: build a Network from GeoDataFrames, file paths or raw records."""

from __future__ import annotations

from typing import Any, Optional

from .build.builder import build_network as build_from_records
from .model.network import Network
from .model.records import BuildOptions, LayerData, Progress


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
    if snap_tolerance is not None:
        options.snap_tolerance = snap_tolerance
    if near_miss_distance is not None:
        options.near_miss_distance = near_miss_distance
    if fields:
        options.pipe_fields = dict(fields)
    if node_fields:
        options.node_fields = dict(node_fields)
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
