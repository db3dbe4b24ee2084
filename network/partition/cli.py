"""``scripts/pipenet-audit PIPES NODES OUT_DIR [--partitions K] [--workers W] [--scheduler ADDRESS]
[--memory-limit 2GB]``: the partitioned audit from a shell (the .venv's Python, no QGIS)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Optional

from .runner import INSTALL
from .source import BATCH_ROWS


def main(argv: Optional[list] = None) -> int:
    """Run the partitioned audit; print where the outputs are. Exit 2 when Dask is missing."""
    parser = argparse.ArgumentParser(prog="pipenet-audit", description="The PipeNet network audit, partitioned "
                                     "by drainage basin on Dask (docs/partitioned-audit.md).")
    parser.add_argument("pipes", help="pipe layer: a file GDAL opens, 'file.gpkg|layername=pipes'")
    parser.add_argument("nodes", help="node layer ('-' for none)")
    parser.add_argument("out_dir", help="folder for pipenet_audit.gpkg, partitions/*.parquet, partitioned_run.json")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers (without --scheduler)")
    parser.add_argument("--scheduler", default=None, help="address of a running Dask scheduler, tcp://host:8786")
    parser.add_argument("--memory-limit", default="2GB", help="per LocalCluster worker")
    parser.add_argument("--packing", choices=("hilbert", "random"), default="hilbert")
    parser.add_argument("--batch-rows", type=int, default=BATCH_ROWS,
                        help="features the driver reads at a time (its memory grows with it, not with the layer)")
    parser.add_argument("--no-halo", action="store_true", help="no halo (results near partition edges may differ)")
    args = parser.parse_args(argv)
    try:
        import distributed  # noqa: F401
    except ImportError:
        print(f"pipenet-audit needs Dask: {INSTALL}", file=sys.stderr)
        return 2
    from .runner import audit_partitioned

    result = audit_partitioned(args.pipes, None if args.nodes == "-" else args.nodes, args.out_dir,
                               partitions=args.partitions, workers=args.workers, scheduler=args.scheduler,
                               memory_limit=args.memory_limit, packing=args.packing, halo=not args.no_halo,
                               batch_rows=args.batch_rows)
    print(json.dumps({"pipes": result.run["pipes"], "findings": sum(result.run["findings"].values()),
                      "partitions": args.partitions, "out_dir": args.out_dir}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
