"""The partitioned audit on Dask beside the single-machine audit: seconds and peak memory.

Usage: python -P bench/partitioned.py [--size 10] [--partitions 4] [--workers 2] [--memory-limit 2GB]
       [--out bench/results]

The cached county sample of ``--size`` (bench/run.py generates it once; with its CCTV defects and overflow
events) is audited twice, each in a process of its own so its peak memory is its own: in-process (read +
build_network + run_audit) and partitioned (network.partition.audit_partitioned on a LocalCluster of
``--workers`` one-thread worker processes capped at ``--memory-limit``, its GeoPackage written). Reported:
seconds, the peak resident memory of the single run, of the partitioned run's driver and of each worker,
and the findings and hot pipes of both (they must agree). Printed as a table, written as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import CACHE, ROOT, load_pipenet, sample_path, versions  # noqa: E402


def observations(path: str) -> tuple[list, list]:
    """(CCTV defects, overflow events (x, y, 1.0)) of a sample GeoPackage (Chinese field names)."""
    from osgeo import ogr

    from pipenet.network.scoring.condition import Defect

    source = ogr.Open(path)
    defects = [Defect(f.GetField("管段编号"), f.GetField("缺陷代码"), int(f.GetField("缺陷等级")),
                      float(f.GetField("距离"))) for f in source.GetLayerByName("defects")]
    events = [(f.GetGeometryRef().GetX(), f.GetGeometryRef().GetY(), 1.0) for f in source.GetLayerByName("events")]
    return defects, events


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def single(path: str) -> dict:
    """The in-process audit: read, build, run_audit with the defects and events."""
    from pipenet.network.audit import run_audit
    from pipenet.network.build.builder import build_network
    from pipenet.network.io.arrow import read_columns

    started = time.perf_counter()
    defects, events = observations(path)
    network = build_network(read_columns(path, "pipes", "line")[0], read_columns(path, "nodes", "point")[0])
    result = run_audit(network, defects, events)
    return {"run": "single", "seconds": round(time.perf_counter() - started, 2), "peak_mb": round(peak_mb()),
            "pipes": len(network.table().keys), "findings": len(result.findings),
            "breakage_hot": result.breakage.hot_count(), "overflow_hot": result.overflow.hot_count()}


def _worker_peak() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def partitioned(path: str, partitions: int, workers: int, memory_limit: str, batch_rows: int = 1_000_000) -> dict:
    """The partitioned audit on a LocalCluster of ``workers`` processes capped at ``memory_limit``."""
    from pipenet.network.hotspots.statistics import CLASSES
    from pipenet.network.partition import audit_partitioned
    from pipenet.network.partition.runner import client_for

    out = CACHE / "partitioned"
    shutil.rmtree(out, ignore_errors=True)
    client, cluster = client_for(workers, None, memory_limit)
    try:
        started = time.perf_counter()
        defects, events = observations(path)
        result = audit_partitioned(f"{path}|layername=pipes", f"{path}|layername=nodes", str(out),
                                   partitions=partitions, client=client, defects=defects, events=events,
                                   batch_rows=batch_rows)
        seconds = time.perf_counter() - started
        workers_peak = client.run(_worker_peak)
    finally:
        client.close()
        cluster.close()
    hot = {}
    for kind, short in (("breakage", "brk"), ("overflow", "ovf")):
        z = result.column("pipes", f"pn_{short}_z").astype(float)  # None (not cut into pieces): NaN
        hot[kind] = int((z >= CLASSES[-1][0]).sum())
    return {"run": "partitioned", "seconds": round(seconds, 2), "peak_mb": round(peak_mb()),
            "worker_peak_mb": {address: round(mb) for address, mb in workers_peak.items()},
            "pipes": int(len(result.column("pipes", "pn_id"))), "findings": sum(result.run["findings"].values()),
            "breakage_hot": hot["breakage"], "overflow_hot": hot["overflow"], "stages": result.run["seconds"],
            "per_partition": result.run["per_partition"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--sample", help="another sample GeoPackage with the county's layers (pipes, nodes, "
                        "defects, events), e.g. bench/national_sample.py's")
    parser.add_argument("--no-single", action="store_true", help="skip the in-process audit (a national "
                        "sample does not fit one process)")
    parser.add_argument("--batch-rows", type=int, default=1_000_000)
    parser.add_argument("--step", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    load_pipenet()
    path = arguments.sample or str(sample_path(arguments.size))
    if arguments.step:
        row = single(path) if arguments.step == "single" else partitioned(
            path, arguments.partitions, arguments.workers, arguments.memory_limit, arguments.batch_rows)
        print(json.dumps(row))
        return
    rows = []
    for step in ("partitioned",) if arguments.no_single else ("single", "partitioned"):
        done = subprocess.run([sys.executable, "-P", __file__, "--step", step, "--size", str(arguments.size),
                               "--partitions", str(arguments.partitions), "--workers", str(arguments.workers),
                               "--memory-limit", arguments.memory_limit, "--batch-rows", str(arguments.batch_rows)]
                              + (["--sample", arguments.sample] if arguments.sample else []),
                              capture_output=True, text=True)
        if done.returncode != 0:  # the step's own traceback, not only its exit status
            raise SystemExit(f"the {step} step failed:\n{done.stderr[-3000:]}")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    name = os.path.basename(arguments.sample) if arguments.sample else f"county {arguments.size}x sample"
    print(f"Partitioned audit, {name} ({rows[0]['pipes']:,} pipes, CCTV defects and events): "
          f"{arguments.partitions} partitions, {arguments.workers} workers capped at {arguments.memory_limit}")
    print(f"{'run':<34}{'seconds':>9}{'peak MB':>9}{'findings':>10}{'hot brk':>9}{'hot ovf':>9}")
    for row in rows:
        print(f"{row['run']:<34}{row['seconds']:>9.1f}{row['peak_mb']:>9}{row['findings']:>10}"
              f"{row['breakage_hot']:>9}{row['overflow_hot']:>9}")
    for address, mb in rows[-1]["worker_peak_mb"].items():
        print(f"{'  worker ' + address.rsplit('/', 1)[-1]:<34}{'':>9}{mb:>9}")
    print("stages (s): " + ", ".join(f"{k} {v}" for k, v in rows[-1]["stages"].items()))
    if len(rows) == 2:
        agree = all(rows[0][k] == rows[1][k] for k in ("pipes", "findings", "breakage_hot", "overflow_hot"))
        print(f"pipes, findings and hot pipes equal: {'yes' if agree else 'NO'}")
    os.makedirs(arguments.out, exist_ok=True)
    label = Path(arguments.sample).stem if arguments.sample else f"{arguments.size}x"
    target = Path(arguments.out) / f"partitioned_{label}_{time.strftime('%Y%m%d-%H%M%S')}.json"
    target.write_text(json.dumps({"machine": {"cores": os.cpu_count()}, "versions": versions(),
                                  "when": time.strftime("%Y-%m-%dT%H:%M:%S"), "size": arguments.size,
                                  "partitions": arguments.partitions, "workers": arguments.workers,
                                  "memory_limit": arguments.memory_limit, "runs": rows}, indent=1))
    print(f"written: {target}")


if __name__ == "__main__":
    main()
