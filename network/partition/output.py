"""The output: each partition's part as GeoParquet (written on the workers), then one GeoPackage (pipes,
nodes, findings) and the run's JSON summary (written by the driver, a partition at a time).

``write_partition_output`` (round 2 of tasks.py) gives a partition's pipes (the input's attributes and
the audit's ``pn_`` columns), nodes and findings global names, numbers, hotspot z and risk, and writes them
in the input CRS to ``OUT_DIR/audit/``: the partitioned GeoParquet engines read. ``write_gpkg`` streams
those files into ``OUT_DIR/pipenet_audit.gpkg``, written under a hidden partial name and renamed when
complete. Where a GDAL that writes Arrow batches (3.8 and later) is at hand through pyogrio, each layer is
one Arrow stream: GDAL writes the rows and builds the R-tree in bulk. Debian 12's GDAL 3.6 cannot, so beside
it stays the feature-by-feature OGR loop, which the tests hold the Arrow path equal to. A column's type is
the same in every partition's rows (``unified_schema``): text where any partition has text, else a real
where any has reals, else an integer.
"""

from __future__ import annotations

import json
import os
from typing import Optional

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
    """One column as an Arrow array of the OGR field type it gets (missing values null; no value: nulls)."""
    import pyarrow as pa

    values = values.tolist() if isinstance(values, np.ndarray) else list(values)
    missing = [v is None or (isinstance(v, float) and v != v) for v in values]
    if all(missing):
        return pa.nulls(len(values))
    if kind == "s":
        return pa.array([None if gone else str(v) for v, gone in zip(values, missing)], type=pa.string())
    if kind == "i":
        return pa.array([None if gone else int(v) for v, gone in zip(values, missing)], type=pa.int64())
    return pa.array([None if gone else float(v) for v, gone in zip(values, missing)], type=pa.float64())


def _table(columns: dict, blobs: list):
    import pyarrow as pa

    arrays = {name: _arrow_column(values, _kind(values)) for name, values in columns.items()}
    arrays[GEOMETRY] = pa.array(blobs, type=pa.binary())
    return pa.table(arrays)


PARQUET_ONLY = ("pn_brk_p", "pn_brk_events", "pn_ovf_p", "pn_ovf_events", "x", "y")  # not in the GeoPackage
ROUNDED = ("pn_length", "pn_upstream_m")  # metres to the millimetre in the GeoPackage, whole in GeoParquet
GEOMETRY = "geometry"
PARTS = "audit"


def _back(shared):
    from ..io.frames import transform_xy

    if shared.metric_crs is None:
        return lambda xy: xy
    return lambda xy: transform_xy(xy, shared.metric_crs, shared.input_crs)


def finding_table(findings: list, back):
    """Findings as a table: the findings layer's columns (``src_fid``: the feature's fid), x and y in the
    working CRS, a point in the input CRS."""
    rows = [f.as_row() for f in findings]
    columns = {("src_fid" if c == "fid" else c): [row[c] for row in rows] for c in FINDING_COLUMNS}
    xy = np.array([[np.nan if r["x"] is None else r["x"], np.nan if r["y"] is None else r["y"]]
                   for r in rows], dtype=float).reshape(-1, 2)
    columns["x"], columns["y"] = xy[:, 0].tolist(), xy[:, 1].tolist()
    table = _table(columns, point_wkb(back(xy)))
    import pyarrow as pa

    for name in ("check", "severity", "kind", "feature_id", "value", "message_en", "message_zh", "fix", "fix_zh"):
        if pa.types.is_null(table.schema.field(name).type):
            table = table.set_column(table.schema.get_field_index(name), name, table.column(name).cast(pa.string()))
    return table


def write_table(table, path: str) -> None:
    """A table as a parquet file, under its name only when complete."""
    import pyarrow.parquet

    pyarrow.parquet.write_table(table, path + ".partial")
    os.replace(path + ".partial", path)


def write_partition_output(result, field_names: list, attrs: dict, shared, out: str) -> dict:
    """A partition's part of the output (round 2): pipes, nodes and findings with global names,
    subnetwork numbers, hotspot z and the risk register, as GeoParquet in ``out``/audit. Counts returned."""
    from ..scoring.risk import risk_many
    from .hotspots import score_hotspots
    from .merge import rename_findings

    pipes, nodes, mapping = dict(result.pipes), dict(result.nodes), shared.names
    rename = (lambda names: [mapping.get(n, n) for n in names]) if mapping else (lambda names: list(names))
    back = _back(shared)
    components = shared.components
    pipe_component = components[np.asarray(pipes["component"], dtype=np.int64)] if len(pipes["key"]) else \
        np.empty(0, dtype=np.int64)
    for kind in shared.kinds:
        score_hotspots(pipes, result.hotspots[kind], kind, shared.moments[kind])
    risk = risk_many(pipes["key"], pipes["grade"], pipes["install_year"], pipes["material"], pipes["defects"],
                     pipes["diameter"], pipes["upstream"], pipes["system"], shared.weights,
                     max_upstream=shared.max_upstream)
    data, bounds = multilinestrings_wkb(back(pipes["xy"]), pipes["offsets"],
                                        np.arange(len(pipes["key"]), dtype=np.int64))
    pipe_blobs = [data[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())]
    columns = {name: attrs[name] for name in field_names}
    columns.update({
        "pn_id": pipes["key"], "pn_part": pipes["part"], "pn_from": rename(pipes["from"]), "pn_to": rename(pipes["to"]),
        "pn_reversed": np.asarray(pipes["reversed"]).astype(int), "pn_dir_src": pipes["dir_src"],
        "pn_length": pipes["length"], "pn_comp": pipe_component, "pn_system": pipes["system"],
        "pn_diam_mm": pipes["diameter"], "pn_reaches": np.asarray(pipes["reaches"]).astype(int),
        "pn_upstream_m": pipes["upstream"], "pn_likelihood": risk.likelihood,
        "pn_consequence": risk.consequence, "pn_risk": risk.risk,
        "pn_risk_class": risk.risk_classes(np.arange(len(pipes["key"]))),
        "pn_partition": np.full(len(pipes["key"]), result.number)})
    for kind, short in (("breakage", "brk"), ("overflow", "ovf")):  # the names the Processing audit writes
        if f"{kind}_z" in pipes:
            columns.update({f"pn_{short}_z": pipes[f"{kind}_z"], f"pn_{short}_cls": pipes[f"{kind}_class"],
                            f"pn_{short}_dens": pipes[f"{kind}_density"], f"pn_{short}_p": pipes[f"{kind}_p"],
                            f"pn_{short}_events": pipes[f"{kind}_events"]})
    folder = os.path.join(out, PARTS)
    write_table(_table(columns, pipe_blobs), os.path.join(folder, f"pipes_{result.number:04d}.parquet"))
    node_xy = back(np.stack([np.asarray(nodes["x"], dtype=float), np.asarray(nodes["y"], dtype=float)], axis=1))
    node_component = components[np.asarray(nodes["component"], dtype=np.int64)] if len(nodes["name"]) else \
        np.empty(0, dtype=np.int64)
    node_columns = {"pn_id": rename(nodes["name"]), "pn_virtual": np.asarray(nodes["virtual"]).astype(int),
                    "pn_type": nodes["type"], "pn_degree": np.asarray(nodes["in"]) + np.asarray(nodes["out"]),
                    "pn_in": nodes["in"], "pn_out": nodes["out"], "pn_comp": node_component,
                    "pn_reaches": np.asarray(nodes["reached"]).astype(int),
                    "pn_partition": np.full(len(nodes["name"]), result.number)}
    write_table(_table(node_columns, point_wkb(node_xy)), os.path.join(folder, f"nodes_{result.number:04d}.parquet"))
    findings = rename_findings(result.findings, mapping)
    write_table(finding_table(findings, back), os.path.join(folder, f"findings_{result.number:04d}.parquet"))
    return {"pipes": len(pipes["key"]), "nodes": len(nodes["name"]), "findings": _counts(findings),
            "risk_classes": risk.class_counts()}


def unified_schema(paths: list):
    """One schema for the files of a layer: per column, text where any file has text, else a real
    where any has reals, else an integer (booleans as integers); the GeoPackage's columns."""
    import pyarrow as pa
    import pyarrow.parquet

    kinds: dict = {}
    for path in paths:
        for column in pyarrow.parquet.read_schema(path):
            seen = kinds.setdefault(column.name, set())
            if not pa.types.is_null(column.type):
                seen.add("s" if pa.types.is_string(column.type) or pa.types.is_large_string(column.type) else
                         "b" if pa.types.is_binary(column.type) else
                         "f" if pa.types.is_floating(column.type) else "i")
    fields = []
    for name, seen in kinds.items():
        if name in PARQUET_ONLY:
            continue
        kind = "b" if "b" in seen else "s" if ("s" in seen or not seen) else "f" if "f" in seen else "i"
        fields.append(pa.field(name, {"b": pa.binary(), "s": pa.string(), "f": pa.float64(), "i": pa.int64()}[kind]))
    return pa.schema(fields)


def layer_batches(paths: list, schema):
    """The files' rows as batches of ``schema`` (ROUNDED columns to the millimetre)."""
    import pyarrow.compute as pc
    import pyarrow.parquet

    for path in paths:
        table = pyarrow.parquet.read_table(path)
        arrays = []
        for column in schema:
            values = table.column(column.name) if column.name in table.column_names else None
            if values is None:
                import pyarrow as pa

                values = pa.nulls(len(table), type=column.type)
            elif values.type != column.type:
                values = values.cast(column.type)
            if column.name in ROUNDED:
                values = pc.round(values, 3)
            arrays.append(values)
        import pyarrow as pa

        yield from pa.table(arrays, schema=schema).to_batches()


LAYERS = (("pipes", "MultiLineString"), ("nodes", "Point"), ("findings", "Point"))


def layer_paths(out: str, name: str) -> list[str]:
    """The GeoParquet parts of a layer in partition order (the driver's findings last)."""
    folder = os.path.join(out, PARTS)
    return sorted(os.path.join(folder, f) for f in os.listdir(folder)
                  if f.startswith(name + "_") and f.endswith(".parquet"))


def write_gpkg(out: str, crs_wkt, arrow: bool = True, target: Optional[str] = None) -> tuple[str, str]:
    """``out``/pipenet_audit.gpkg from the GeoParquet parts in ``out``/audit, a layer at a time;
    ``arrow``: by GDAL's Arrow stream where available (arrow_writer), else (or False) by the OGR loop.
    Returns (path, writer used)."""
    import pyarrow as pa

    final = target or os.path.join(out, GPKG_NAME)
    partial = os.path.join(os.path.dirname(final), f".pipenet_audit.{os.getpid()}.partial.gpkg")
    if os.path.exists(partial):
        os.remove(partial)
    write = arrow_writer() if arrow else None
    source = None
    if write is None:
        from osgeo import ogr

        source = ogr.GetDriverByName("GPKG").CreateDataSource(partial)
    for index, (name, geometry_type) in enumerate(LAYERS):
        paths = layer_paths(out, name)
        schema = unified_schema(paths)
        if write is not None:
            renamed = pa.schema([pa.field("geom" if f.name == GEOMETRY else f.name, f.type) for f in schema])
            stream = pa.RecordBatchReader.from_batches(renamed, (pa.RecordBatch.from_arrays(b.columns, schema=renamed)
                                                                 for b in layer_batches(paths, schema)))
            # GeoPackage 1.2, as GDAL 3.6 writes it: a newer GDAL's default (1.4) makes Debian 12's GDAL and
            # QGIS 3.22 warn on every open that the file "may only be partially supported"
            write(stream, partial, layer=name, driver="GPKG", geometry_name="geom", geometry_type=geometry_type,
                  crs=crs_wkt, append=index > 0, dataset_options={"VERSION": "1.2"} if index == 0 else None,
                  layer_options={"SPATIAL_INDEX": "YES"})
        else:
            _layer(source, crs_wkt, name, OGR_TYPES[geometry_type], schema, layer_batches(paths, schema))
    source = None
    os.replace(partial, final)
    return final, "GDAL Arrow batches (pyogrio)" if write is not None else "OGR features"


def _layer(source, crs_wkt, name: str, geometry_type: int, schema, batches) -> None:
    """One layer by OGR, feature by feature: ``schema``'s columns, WKB from its geometry column."""
    import pyarrow as pa
    from osgeo import ogr, osr

    srs = None
    if crs_wkt is not None:
        srs = osr.SpatialReference()
        srs.ImportFromWkt(crs_wkt)
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    layer = source.CreateLayer(name, srs, geometry_type, options=["SPATIAL_INDEX=YES"])
    fields = [f for f in schema if f.name != GEOMETRY]
    for field in fields:
        layer.CreateField(ogr.FieldDefn(field.name, ogr.OFTString if pa.types.is_string(field.type) else
                                        ogr.OFTReal if pa.types.is_floating(field.type) else ogr.OFTInteger64))
    definition = layer.GetLayerDefn()
    layer.StartTransaction()
    for batch in batches:
        lists = [batch.column(schema.get_field_index(f.name)).to_pylist() for f in fields]
        blobs = batch.column(schema.get_field_index(GEOMETRY)).to_pylist()
        for row, blob in enumerate(blobs):
            feature = ogr.Feature(definition)
            for index, values in enumerate(lists):
                if values[row] is not None:
                    feature.SetField(index, values[row])
            if blob is not None:
                feature.SetGeometry(ogr.CreateGeometryFromWkb(blob))
            layer.CreateFeature(feature)
    layer.CommitTransaction()


def write_summary(out: str, run: dict) -> str:
    """``out``/partitioned_run.json."""
    path = os.path.join(out, SUMMARY_NAME)
    with open(path + ".partial", "w", encoding="utf-8") as handle:
        json.dump(run, handle, ensure_ascii=False, indent=1)
    os.replace(path + ".partial", path)
    return path


def _counts(findings) -> dict:
    counts: dict = {}
    for finding in findings:
        counts[finding.check] = counts.get(finding.check, 0) + 1
    return counts
