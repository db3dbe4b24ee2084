"""The national-size sample of the partitioned audit (generated once, not committed).

Usage: .venv/bin/python -P bench/national_sample.py [--tiles 10] [--size 100]

``--tiles`` copies of the cached county sample of ``--size`` (bench/run.py generates it once; 100x:
2,302,818 pipes, 118,000 km), laid side by side 100 km apart as provinces of one country, with every pipe,
node and defect id prefixed by its tile (``T3-``) so no id repeats: ten 100x tiles are KM = 1,180,000, about
23 million pipes, what issue #27 asks the partitioned audit to run within 24 GB. Each layer is written by
GDAL in one Arrow stream (pyogrio), so the copy is never held whole in memory. Written to
``~/.cache/pipenet-bench/national_<tiles>x<size>.gpkg``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import CACHE, sample_path  # noqa: E402

TILE_STEP = 100_000.0  # metres between tiles (a 100x tile is 78 km across)
COLUMNS = 4
ID_FIELDS = {"pipes": ("管线编号", "起点点号", "终点点号"), "nodes": ("物探点号",), "defects": ("管段编号",),
             "events": ()}


def moved_wkb(blobs, dx: float, dy: float):
    """2D little-endian WKB points or linestrings (an Arrow binary array) moved by (dx, dy): their
    coordinates are the bytes after each blob's 9-byte header (order, type, point count; a point's 5)."""
    import numpy as np
    import pyarrow as pa

    from pipenet.network.model.columns import ranges

    assert blobs.null_count == 0
    width = np.int64 if pa.types.is_large_binary(blobs.type) else np.int32
    offsets = np.frombuffer(blobs.buffers()[1], dtype=width)[blobs.offset:blobs.offset + len(blobs) + 1]
    offsets = offsets.astype(np.int64)
    data = np.frombuffer(blobs.buffers()[2], dtype=np.uint8).copy()
    starts = offsets[:-1]
    kinds = data[starts + 1]
    assert (data[starts] == 1).all() and np.isin(kinds, (1, 2)).all(), "2D little-endian points or lines"
    header = np.where(kinds == 1, 5, 9)
    at = ranges(starts + header, offsets[1:] - starts - header)
    xy = data[at].view("<f8").reshape(-1, 2) + (dx, dy)
    data[at] = xy.reshape(-1).view(np.uint8)
    return pa.Array.from_buffers(blobs.type, len(blobs), [None, pa.py_buffer(offsets.astype(width)),
                                                          pa.py_buffer(data.tobytes())])


def tile_batches(path: str, layer: str, tiles: int, batch_size: int = 200_000):
    """The layer's Arrow batches, tile after tile: geometry moved, ids prefixed."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyogrio

    for tile in range(tiles):
        dx, dy = (tile % COLUMNS) * TILE_STEP, (tile // COLUMNS) * TILE_STEP
        with pyogrio.open_arrow(path, layer=layer, batch_size=batch_size, use_pyarrow=True) as (meta, reader):
            geometry = meta["geometry_name"] or "wkb_geometry"
            for batch in reader:
                table = pa.Table.from_batches([batch])
                for name in ID_FIELDS[layer]:
                    column = table.column(name)
                    if tile:
                        column = pc.binary_join_element_wise(pa.scalar(f"T{tile}-"), column, "")
                    table = table.set_column(table.schema.get_field_index(name), name, column)
                table = table.set_column(table.schema.get_field_index(geometry), geometry,
                                         moved_wkb(table.column(geometry).combine_chunks(), dx, dy))
                yield from table.to_batches()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiles", type=int, default=10)
    parser.add_argument("--size", type=int, default=100)
    arguments = parser.parse_args()
    import pyarrow as pa
    import pyogrio

    source = str(sample_path(arguments.size))
    target = CACHE / f"national_{arguments.tiles}x{arguments.size}.gpkg"
    partial = target.with_suffix(".partial.gpkg")
    if partial.exists():
        partial.unlink()
    started = time.perf_counter()
    for index, layer in enumerate(ID_FIELDS):
        info = pyogrio.read_info(source, layer=layer)
        first = next(tile_batches(source, layer, 1, batch_size=1))
        stream = pa.RecordBatchReader.from_batches(first.schema, tile_batches(source, layer, arguments.tiles))
        pyogrio.write_arrow(stream, str(partial), layer=layer, driver="GPKG", geometry_name="geom",
                            geometry_type=info["geometry_type"], crs=info["crs"], append=index > 0,
                            dataset_options={"VERSION": "1.2"} if index == 0 else None,
                            layer_options={"SPATIAL_INDEX": "YES"})
        print(f"{layer}: {info['features'] * arguments.tiles:,} features, {time.perf_counter() - started:.0f} s",
              flush=True)
    os.replace(partial, target)
    print(f"written: {target}")


if __name__ == "__main__":
    main()
