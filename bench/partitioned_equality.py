"""The partitioned audit against run_audit on a cached county sample (with its CCTV defects and overflow events).

Usage: python -P bench/partitioned_equality.py [--size 10] [--close]

For 2, 4 and 8 partitions, Hilbert and random packing, with the halo, read in batches of 100,000 features, and
8 random partitions without it: components, reachability, upstream length per pipe, node names, the risk
register, the hotspots per pipe and the findings as a multiset (their places as they are), each bit for bit.
One line per run. ``--close``: the sample with a sanitary copy 1.2/1.6 m beside every line (generated once,
cached), where the halo is needed: the run without it then differs.
"""
import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import CACHE, load_pipenet, sample_path  # noqa: E402

load_pipenet()
import numpy as np  # noqa: E402
from partitioned import observations  # noqa: E402

from pipenet.network.audit import run_audit  # noqa: E402
from pipenet.network.build.builder import build_network  # noqa: E402
from pipenet.network.io.arrow import read_columns  # noqa: E402
from pipenet.network.partition import audit_partitioned  # noqa: E402
from pipenet.network.partition.runner import client_for  # noqa: E402


def key(f):
    return (f.check, f.severity, f.kind, f.feature_id, f.fid, f.value, f.message_en, f.message_zh, f.x, f.y)


def close_path(size: int) -> Path:
    """The county sample with a sanitary copy of every line and node 1.2/1.6 m beside it (cached)."""
    from pipenet.network.sample import combined, generate, shifted, write_gpkg

    path = CACHE / f"county_{size}x_seed1_close.gpkg"
    if not path.exists():
        base = generate(1180.0 * size, seed=1)
        partial = path.with_suffix(".partial.gpkg")
        partial.unlink(missing_ok=True)
        write_gpkg(combined(base, shifted(base, 1.2, 1.6, "P", system="WS")), str(partial))
        partial.replace(path)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10)
    parser.add_argument("--close", action="store_true")
    arguments = parser.parse_args()
    path = str(close_path(arguments.size) if arguments.close else sample_path(arguments.size))
    defects, events = observations(path)
    started = time.perf_counter()
    network = build_network(read_columns(path, "pipes", "line")[0], read_columns(path, "nodes", "point")[0])
    reference = run_audit(network, defects, events)
    table = network.table()
    print(f"reference {time.perf_counter() - started:.1f} s, {len(table.keys)} pipes, "
          f"{len(reference.findings)} findings", flush=True)
    comps = dict(zip(table.keys, np.asarray(table.edge_values("component")).tolist()))
    risk = dict(zip(reference.risk.keys_list, reference.risk.risk.tolist()))
    findings = Counter(map(key, reference.findings))
    hot = {kind: {k: (h.z, h.p, h.hot_class, h.density, h.events) for k, h in getattr(reference, kind).items()}
           for kind in ("breakage", "overflow")}
    client, cluster = client_for(2, None, "2GB")
    try:
        runs = [(partitions, packing, True) for partitions in (2, 4, 8) for packing in ("hilbert", "random")]
        for partitions, packing, halo in runs + [(8, "random", False)]:
            t = time.perf_counter()
            out = str(Path(tempfile.mkdtemp()) / "out")
            result = audit_partitioned(f"{path}|layername=pipes", f"{path}|layername=nodes", out,
                                       partitions=partitions, packing=packing, halo=halo, client=client,
                                       defects=defects, events=events, write_outputs=False, batch_rows=100_000)
            pipes, nodes = result.pipes, result.nodes
            upstream = result.upstream_length()
            checks = {
                "components": dict(zip(pipes["pn_id"], pipes["pn_comp"])) == comps,
                "reaches": result.reaches_outlet() == set(reference.reaches_outlet),
                "upstream": upstream == dict(reference.upstream_length),
                "names": sorted(nodes["pn_id"]) == sorted(table.names),
                "risk": dict(zip(pipes["pn_id"], pipes["pn_risk"])) == risk,
                "findings": Counter(map(key, result.findings)) == findings,
            }
            for kind, short in (("breakage", "brk"), ("overflow", "ovf")):
                ours = {k: (z, p, c, d, e) for k, z, p, c, d, e in zip(
                    pipes["pn_id"], *(pipes[f"pn_{short}_{n}"] for n in ("z", "p", "cls", "dens", "events")))
                    if z is not None}
                checks[kind] = ours == hot[kind]
            halo_pipes = sum(len(h) for h in result.plan.halo_pipes) if halo else "off"
            print(f"{partitions} {packing:<8} halo pipes {halo_pipes:>6} {time.perf_counter() - t:6.1f} s "
                  + " ".join(f"{k}={'ok' if v else 'DIFFERENT'}" for k, v in checks.items()), flush=True)
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
