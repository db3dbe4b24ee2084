"""What the driver writes: one GeoPackage (pipes, nodes, findings) and the run's JSON summary.

The GeoPackage is written under a hidden partial name and renamed when complete. Where a GDAL that writes
Arrow batches (3.8 and later) is at hand through pyogrio, each layer is handed to it as one Arrow table:
GDAL writes the rows and builds the R-tree in bulk (a second at 10x). Debian 12's GDAL 3.6 cannot, so beside
it stays the feature-by-feature OGR loop (a minute at 10x), which the tests hold the Arrow path equal to.
"""

from __future__ import annotations

import json
import os
import time

import numpy as np

from ..io.wkb import multilinestrings_wkb
from ..model.findings import FINDING_COLUMNS
from .parquet import point_wkb

GPKG_NAME, SUMMARY_NAME = "pipenet_audit.gpkg", "partitioned_run.json"
OGR_TYPES = {"MultiLineString": 5, "Point": 1}  # ogr.wkbMultiLineString, ogr.wkbPoint


def _kind(values) -> str:
    sample = [v for v in (values.tolist() if isinstance(values, np.ndarray) else values) if v is not None][:50]
    if sample and all(isinstance(v, (bool, np.bool_, int, np.integer)) for v in sample):
        return "i"
    if sample and all(isinstance(v, (int, float, np.integer, np.floating)) for v in sample):
        return "f"
    return "s"


ARROW_GDAL = (3, 8, 0)  # the first GDAL whose OGR layers take Arrow batches (OGR_L_WriteArrowBatch)


def arrow_writer():
    """pyogrio's ``write_arrow`` where pyogrio and pyarrow are installed and pyogrio's GDAL writes Arrow
    batches; None otherwise (the OGR loop is used)."""
    try:
        import pyarrow  # noqa: F401
        import pyogrio
    except ImportError:
        return None
    return pyogrio.write_arrow if tuple(pyogrio.__gdal_version__[:3]) >= ARROW_GDAL else None


def _arrow_column(values, kind: str):
    """One column as an Arrow array of the OGR field type _layer would give it (missing values null)."""
    import pyarrow as pa

    values = values.tolist() if isinstance(values, np.ndarray) else list(values)
    missing = [v is None or (isinstance(v, float) and v != v) for v in values]
    if kind == "s":
        return pa.array([None if gone else str(v) for v, gone in zip(values, missing)], type=pa.string())
    if kind == "i":
        return pa.array([None if gone else int(v) for v, gone in zip(values, missing)], type=pa.int64())
    return pa.array([None if gone else float(v) for v, gone in zip(values, missing)], type=pa.float64())


def _layer_by_arrow(write, path: str, crs_wkt, name: str, geometry_type: str, columns: dict, blobs: list,
                    first: bool) -> None:
    """One layer written by GDAL from an Arrow table (``write``: arrow_writer()); what _layer writes."""
    import pyarrow as pa

    arrays = {field_name: _arrow_column(values, _kind(values)) for field_name, values in columns.items()}
    arrays["geom"] = pa.array(blobs, type=pa.binary())
    # GeoPackage 1.2, as GDAL 3.6 writes it: a newer GDAL's default (1.4) makes Debian 12's GDAL and
    # QGIS 3.22 warn on every open that the file "may only be partially supported"
    write(pa.table(arrays), path, layer=name, driver="GPKG", geometry_name="geom", geometry_type=geometry_type,
          crs=crs_wkt, append=not first, dataset_options={"VERSION": "1.2"} if first else None,
          layer_options={"SPATIAL_INDEX": "YES"})


def _layer(source, srs, name: str, geometry_type: int, columns: dict, blobs: list) -> None:
    """One layer: ``columns`` name -> values, ``blobs`` WKB per row (None: no geometry)."""
    from osgeo import ogr

    layer = source.CreateLayer(name, srs, geometry_type, options=["SPATIAL_INDEX=YES"])
    types = {"s": ogr.OFTString, "i": ogr.OFTInteger64, "f": ogr.OFTReal}
    kinds = {}
    for field_name, values in columns.items():
        kinds[field_name] = _kind(values)
        layer.CreateField(ogr.FieldDefn(field_name, types[kinds[field_name]]))
    definition = layer.GetLayerDefn()
    lists = {k: (v.tolist() if isinstance(v, np.ndarray) else list(v)) for k, v in columns.items()}
    layer.StartTransaction()
    for row, blob in enumerate(blobs):
        feature = ogr.Feature(definition)
        for index, field_name in enumerate(columns):
            value = lists[field_name][row]
            if value is None or (isinstance(value, float) and value != value):
                continue
            kind = kinds[field_name]
            feature.SetField(index, str(value) if kind == "s" else (int(value) if kind == "i" else float(value)))
        if blob is not None:
            feature.SetGeometry(ogr.CreateGeometryFromWkb(blob))
        layer.CreateFeature(feature)
    layer.CommitTransaction()


def write_outputs(audit, out_dir: str, started: float, arrow: bool = True) -> tuple[str, str]:
    """pipenet_audit.gpkg (pipes with the audit's pn_ columns, nodes, findings) and partitioned_run.json;
    ``arrow``: by GDAL's Arrow batches where available (arrow_writer), else (or False) by the OGR loop."""
    from osgeo import ogr, osr

    from ..io.frames import transform_xy

    os.makedirs(out_dir, exist_ok=True)
    pipes, nodes, columns = audit.pipes, audit.nodes, audit.columns
    back = (lambda xy: transform_xy(xy, audit.metric_crs, audit.input_crs)) if audit.metric_crs is not None \
        else (lambda xy: xy)
    xy = np.concatenate(pipes["xy"]) if pipes["xy"] else np.empty((0, 2))
    sizes = np.concatenate([np.diff(o) for o in pipes["offsets"]]) if pipes["offsets"] else np.empty(0, int)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    data, bounds = multilinestrings_wkb(back(xy), offsets, np.arange(len(sizes), dtype=np.int64))
    pipe_blobs = [data[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())]
    fid = np.asarray(pipes["fid"], dtype=np.int64)
    risk = audit.risk
    pipe_columns = {name: columns.attrs[name][fid] for name in columns.field_names}
    pipe_columns.update({
        "pn_id": pipes["key"], "pn_part": pipes["part"], "pn_from": pipes["from"], "pn_to": pipes["to"],
        "pn_reversed": pipes["reversed"].astype(int), "pn_dir_src": pipes["dir_src"],
        "pn_length": np.round(pipes["length"], 3), "pn_comp": pipes["component"], "pn_system": pipes["system"],
        "pn_diam_mm": pipes["diameter"], "pn_reaches": pipes["reaches"].astype(int),
        "pn_upstream_m": np.round(pipes["upstream"], 3), "pn_likelihood": risk.likelihood,
        "pn_consequence": risk.consequence, "pn_risk": risk.risk,
        "pn_risk_class": risk.risk_classes(np.arange(len(pipes["key"]))), "pn_partition": pipes["partition"]})
    for kind, short in (("breakage", "brk"), ("overflow", "ovf")):  # the names the Processing audit writes
        if f"{kind}_z" in pipes:
            pipe_columns.update({f"pn_{short}_z": pipes[f"{kind}_z"], f"pn_{short}_cls": pipes[f"{kind}_class"],
                                 f"pn_{short}_dens": pipes[f"{kind}_density"]})
    node_xy = back(np.stack([nodes["x"], nodes["y"]], axis=1)) if len(nodes.get("name", [])) else np.empty((0, 2))
    node_columns = {"pn_id": nodes["name"], "pn_virtual": np.asarray(nodes["virtual"]).astype(int),
                    "pn_type": nodes["type"], "pn_degree": nodes["in"] + nodes["out"], "pn_in": nodes["in"],
                    "pn_out": nodes["out"], "pn_comp": nodes["component"],
                    "pn_reaches": np.asarray(nodes["reached"]).astype(int), "pn_partition": nodes["partition"]}
    rows = [f.as_row() for f in audit.findings]
    finding_columns = {("src_fid" if c == "fid" else c): [row[c] for row in rows] for c in FINDING_COLUMNS}
    finding_xy = np.array([[np.nan if r["x"] is None else r["x"], np.nan if r["y"] is None else r["y"]]
                           for r in rows], dtype=float).reshape(-1, 2)
    srs = None
    if audit.input_crs is not None:
        srs = osr.SpatialReference()
        srs.ImportFromWkt(audit.input_crs.to_wkt())
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    final = os.path.join(out_dir, GPKG_NAME)
    partial = os.path.join(out_dir, f".pipenet_audit.{os.getpid()}.partial.gpkg")
    if os.path.exists(partial):
        os.remove(partial)
    layers = [("pipes", "MultiLineString", pipe_columns, pipe_blobs),
              ("nodes", "Point", node_columns, point_wkb(node_xy)),
              ("findings", "Point", finding_columns, point_wkb(back(finding_xy)))]
    writing = time.perf_counter()
    write = arrow_writer() if arrow else None
    if write is not None:
        crs_wkt = audit.input_crs.to_wkt() if audit.input_crs is not None else None
        for index, (name, geometry_type, layer_columns, blobs) in enumerate(layers):
            _layer_by_arrow(write, partial, crs_wkt, name, geometry_type, layer_columns, blobs, first=index == 0)
    else:
        source = ogr.GetDriverByName("GPKG").CreateDataSource(partial)
        for name, geometry_type, layer_columns, blobs in layers:
            _layer(source, srs, name, OGR_TYPES[geometry_type], layer_columns, blobs)
        source = None
    os.replace(partial, final)
    summary = dict(audit.run)
    summary["seconds"]["write_gpkg"] = round(time.perf_counter() - writing, 2)
    summary["gpkg_writer"] = "GDAL Arrow batches (pyogrio)" if write is not None else "OGR features"
    summary["findings"] = dict(sorted(_counts(audit.findings).items()))
    summary["risk_classes"] = risk.class_counts()
    summary["seconds"]["total"] = round(time.perf_counter() - started, 2)
    summary_path = os.path.join(out_dir, SUMMARY_NAME)
    with open(summary_path, "w", encoding="utf-8") as handle:
        json.dump(summary, handle, ensure_ascii=False, indent=1)
    return final, summary_path


def _counts(findings) -> dict:
    counts: dict = {}
    for finding in findings:
        counts[finding.check] = counts.get(finding.check, 0) + 1
    return counts
