"""PipeNet benchmark: per-stage seconds and peak memory on 1x / 10x / 100x county samples.

Usage: python -P bench/run.py [--sizes 1,10,100] [--networks county,vendor] [--skip-100x] [--no-qgis-process]
       [--out bench/results]

Each size runs in its own process so peak memory is that size's own. Results are printed as a
table and written as JSON (with the machine and library versions) so runs can be compared.
Targets (issue "County-scale sample network ... benchmark"): in-process read + build + every check
< 0.5 s at 1x, < 3 s and < 800 MB at 10x; one upstream trace < 10 ms; qgis_process networkaudit /
native:savefeatures <= 2.0 at 1x; at 100x networkaudit < 60 s and < 4 GB, buildnetwork < 30 s.
Peak memory of a qgis_process run is the largest child so far (ru_maxrss of children).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("PIPENET_BENCH_CACHE", Path.home() / ".cache" / "pipenet-bench"))
KM_1X = 1180.0


def load_pipenet():
    spec = importlib.util.spec_from_file_location("pipenet", ROOT / "__init__.py",
                                                  submodule_search_locations=[str(ROOT)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["pipenet"] = module
    spec.loader.exec_module(module)


# A second network unlike ours: another seed, another vendor's English field names, English node
# types, no CCTV defects and no overflow events (the audit then runs without them).
VENDOR_PIPE_FIELDS = {"pipe_id": "LINK_ID", "from_node": "US_NODE", "to_node": "DS_NODE", "system": "SYSTEM_TYPE",
                      "diameter": "PIPE_SIZE", "material": "PIPE_MATERIAL", "install_year": "YEAR_BUILT",
                      "up_invert": "US_INVERT", "down_invert": "DS_INVERT", "up_depth": "US_DEPTH",
                      "down_depth": "DS_DEPTH"}
VENDOR_NODE_FIELDS = {"node_id": "MH_ID", "node_type": "FEATURE_TYPE", "system": "NETWORK_TYPE",
                      "ground_elev": "RIM_ELEV", "invert_elev": "INVERT_LEVEL"}
NETWORKS = ("county", "vendor")


def sample_path(size: int, network: str = "county") -> Path:
    """The cached sample GeoPackage of a size (generated once): ``county`` (seed 1, Chinese field names,
    CCTV defects and overflow events) or ``vendor`` (seed 2, another vendor's names, neither)."""
    load_pipenet()
    from pipenet.network.sample import generate, write_gpkg

    path = CACHE / (f"county_{size}x_seed1.gpkg" if network == "county" else f"vendor_{size}x_seed2.gpkg")
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.gpkg")
        if partial.exists():
            partial.unlink()
        if network == "county":
            write_gpkg(generate(KM_1X * size, seed=1), str(partial))
        else:
            write_gpkg(generate(KM_1X * size, seed=2), str(partial), chinese=False)
            as_vendor(partial)
        partial.replace(path)
    return path


def as_vendor(path: Path) -> None:
    """Rename the sample's English fields to the vendor's and drop the defects and events."""
    from osgeo import ogr

    source = ogr.Open(str(path), 1)
    for table, names in (("pipes", VENDOR_PIPE_FIELDS), ("nodes", VENDOR_NODE_FIELDS)):
        layer = source.GetLayerByName(table)
        definition = layer.GetLayerDefn()
        for old, new in names.items():
            index = definition.GetFieldIndex(old)
            field = ogr.FieldDefn(new, definition.GetFieldDefn(index).GetType())
            layer.AlterFieldDefn(index, field, ogr.ALTER_NAME_FLAG)
    for table in ("defects", "events", "truth"):
        for index in range(source.GetLayerCount()):
            if source.GetLayerByIndex(index).GetName() == table:
                source.DeleteLayer(index)
                break
    source = None


QGIS_PROCESS_REPEATS = {1: 5}  # qgis_process runs per command (medians reported)
REPEATS = {1: 5, 10: 3}  # in-process runs per size; the median is reported (100x: one run)
CHECKS = ("read", "build", "connectivity", "hydraulics", "illicit", "accumulate")


def measure(size: int, sample: str = "county") -> dict:
    """Run every stage in this process on the sample of ``size``; return seconds and peak MB.

    QGIS's Python is a long-lived process, so read/build/checks run several times and the median is
    reported beside the first (cold) run.
    """
    load_pipenet()
    from pipenet.network.build.builder import build_network
    from pipenet.network.io.arrow import read_columns

    path = str(sample_path(size, sample))
    runs: dict[str, list[float]] = {}

    def timed(name, function):
        started = time.perf_counter()
        value = function()
        runs.setdefault(name, []).append(time.perf_counter() - started)
        return value

    import networkx  # noqa: F401  (imports are QGIS start-up, not PipeNet work)
    import scipy.spatial  # noqa: F401
    from osgeo import ogr  # noqa: F401

    for _ in range(REPEATS.get(size, 1)):
        network = None  # the previous run's network is freed first
        layers = timed("read", lambda: (read_columns(path, "pipes", "line")[0],
                                        read_columns(path, "nodes", "point")[0]))
        network = timed("build", partial(build_network, *layers))
        timed("connectivity", network.components)
        timed("hydraulics", network.hydraulic_checks)
        timed("illicit", network.illicit_connections)
        timed("accumulate", network.accumulate)
    stages = {name: round(statistics.median(values), 3) for name, values in runs.items()}
    stages["in_process_total"] = round(sum(stages[k] for k in CHECKS), 3)
    stages["in_process_first_run"] = round(sum(runs[k][0] for k in CHECKS), 3)
    outlet = max(network.components().subnetworks, key=lambda row: row.pipes).outlets[0]
    # the networkx graph is made when first read (traces, the UI, the Python API), not by the checks
    started = time.perf_counter()
    graph = network.graph
    stages["networkx_graph"] = round(time.perf_counter() - started, 3)
    manholes = [n for n, d in graph.nodes(data=True) if d.get("component") == 1][:200]
    trace_times = []
    for node in manholes:
        started = time.perf_counter()
        network.upstream([node])
        trace_times.append(time.perf_counter() - started)
    stages["trace_ms_median"] = round(statistics.median(trace_times) * 1000, 3)
    stages["trace_ms_max"] = round(max(trace_times) * 1000, 3)
    out = CACHE / f"bench_out_{sample}_{size}x.gpkg"
    if out.exists():
        out.unlink()
    started = time.perf_counter()
    network.findings_frame().to_file(out, driver="GPKG")
    stages["write"] = round(time.perf_counter() - started, 3)
    return {"size": size, "network": sample, "pipes": len(network.table().keys),
            "km": round(network.summary()["length_m"] / 1000),
            "outlet": outlet, "stages": stages, "repeats": REPEATS.get(size, 1),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)}


def qgis_process_runs(size: int, network: str = "county",
                      algorithms: tuple = ("pipenet:networkaudit", "pipenet:buildnetwork")) -> dict:
    """Wall time and peak memory of qgis_process runs beside native:savefeatures of the same pipes layer."""
    path = sample_path(size, network)
    observations = [f"DEFECTS={path}|layername=defects", f"EVENTS={path}|layername=events"] \
        if network == "county" else []
    command = [str(ROOT / "scripts" / "qgis_process"), "run"]
    out = CACHE / "qp"
    out.mkdir(exist_ok=True)
    env = qgis_profile()
    runs = {
        "native:savefeatures": ["native:savefeatures", "--", f"INPUT={path}|layername=pipes",
                                f"OUTPUT={out}/copy.gpkg"],
        "pipenet:buildnetwork": ["pipenet:buildnetwork", "--", f"PIPES={path}|layername=pipes",
                                 f"NODES={path}|layername=nodes", f"OUTPUT_PIPES={out}/pipes.gpkg",
                                 f"OUTPUT_NODES={out}/nodes.gpkg", f"OUTPUT_FINDINGS={out}/findings.gpkg"],
        "pipenet:networkaudit": ["pipenet:networkaudit", "--", f"PIPES={path}|layername=pipes",
                                 f"NODES={path}|layername=nodes", *observations, f"OUTPUT_FOLDER={out}/audit"],
    }
    seconds: dict = {}
    times: dict[str, list[float]] = {}
    # alternate the commands and take each one's median: a VM's speed drifts by tens of per cent
    for _ in range(QGIS_PROCESS_REPEATS.get(size, 1)):
        for name in ("native:savefeatures",) + tuple(algorithms):
            for stale in out.glob("*.gpkg"):
                stale.unlink()
            started = time.perf_counter()
            with open(out / "stderr.txt", "w") as errors:
                child = subprocess.Popen(command + runs[name], stdout=subprocess.DEVNULL, stderr=errors, env=env)
                # wait4 gives this run's own peak memory (the wrapper script's child included)
                _, status, usage = os.wait4(child.pid, 0)
            times.setdefault(name, []).append(time.perf_counter() - started)
            seconds[name + "_peak_mb"] = max(seconds.get(name + "_peak_mb", 0), round(usage.ru_maxrss / 1024.0))
            if os.waitstatus_to_exitcode(status) != 0:
                seconds[name + "_error"] = (out / "stderr.txt").read_text()[-500:]
    for name, values in times.items():
        seconds[name] = round(statistics.median(values), 2)
    for name in algorithms:
        seconds[f"ratio {name.split(':')[1]}"] = round(seconds[name] / seconds["native:savefeatures"], 2)
    return seconds


def qgis_profile() -> dict:
    """Environment for qgis_process with a throw-away QGIS profile that has this checkout enabled."""
    config = CACHE / "qgis-config"
    plugins = config / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    link = plugins / "pipenet"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(ROOT)
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(config), QT_QPA_PLATFORM="offscreen")
    env.setdefault("XDG_RUNTIME_DIR", "/tmp/runtime-pipenet")
    os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)
    subprocess.run([str(ROOT / "scripts" / "qgis_process"), "plugins", "enable", "pipenet"], env=env,
                   capture_output=True)
    return env


def versions() -> dict:
    found = {"python": platform.python_version()}
    for name in ("numpy", "scipy", "networkx", "shapely", "geopandas", "pyproj"):
        try:
            found[name] = __import__(name).__version__
        except ImportError:
            found[name] = None
    try:
        from osgeo import gdal

        found["gdal"] = gdal.__version__
    except ImportError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,100")
    parser.add_argument("--skip-100x", action="store_true")
    parser.add_argument("--no-qgis-process", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--networks", default=",".join(NETWORKS), help="county, vendor or both (default)")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:
        print(json.dumps(measure(arguments.measure, arguments.networks)))
        return
    if arguments.generate:
        sample_path(arguments.generate, arguments.networks)
        return
    sizes = [int(s) for s in arguments.sizes.split(",") if s and not (arguments.skip_100x and s == "100")]
    report = {"machine": {"cores": os.cpu_count(), "memory_gb": round(os.sysconf("SC_PAGE_SIZE")
                                                                         * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                          "platform": platform.platform()},
              "versions": versions(), "when": time.strftime("%Y-%m-%dT%H:%M:%S"), "runs": []}
    for network in arguments.networks.split(","):
        for size in sizes:
            # generated in a process of its own: the qgis_process runs forked from this one would
            # otherwise report the generator's memory as their peak
            subprocess.run([sys.executable, "-P", __file__, "--generate", str(size), "--networks", network],
                           check=True)
            result = subprocess.run([sys.executable, "-P", __file__, "--measure", str(size), "--networks", network],
                                    capture_output=True, text=True)
            if result.returncode != 0:
                print(result.stderr[-2000:])
                raise SystemExit(f"{network} {size}x failed")
            run = json.loads(result.stdout.strip().splitlines()[-1])
            if not arguments.no_qgis_process and size in (1, 100):
                run["qgis_process"] = qgis_process_runs(size, network)
            report["runs"].append(run)
    stages = list(report["runs"][0]["stages"]) if report["runs"] else []
    print(f"{'stage':<20}" + "".join(f"{r['network'][:6] + ' ' + str(r['size']) + 'x':>14}" for r in report["runs"]))
    print(f"{'pipes':<20}" + "".join(f"{r['pipes']:>14}" for r in report["runs"]))
    for stage in stages:
        print(f"{stage:<20}" + "".join(f"{r['stages'][stage]:>14}" for r in report["runs"]))
    print(f"{'peak MB':<20}" + "".join(f"{r['peak_mb']:>14}" for r in report["runs"]))
    for run in report["runs"]:
        if "qgis_process" in run:
            print(f"qgis_process, {run['network']} {run['size']}x:", run["qgis_process"])
    Path(arguments.out).mkdir(parents=True, exist_ok=True)
    target = Path(arguments.out) / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    target.write_text(json.dumps(report, indent=1))
    print("written", target)


if __name__ == "__main__":
    main()
