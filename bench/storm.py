"""Storm capacity, SWMM export and SWMM simulation on the county samples, side by side.

Usage: python -P bench/storm.py [--sizes 1] [--no-simulation] [--out bench/results]

Per size, in a process of its own (its peak memory its own): the network built from the cached
sample (bench/run.py's, in ~/.cache/pipenet-bench), the Thiessen sub-catchments of the storm nodes,
and the rational method through the Python API (``Network.storm_capacity`` with those catchments;
the median of several runs, as QGIS's Python is a long-lived process). At 1x also the SWMM export
of the storm network with a 3-year Chicago storm, and that model run twice: through PipeNet's path
(network/capacity/simulation.py: stepped, progress told and cancel checked every step, its report read
back) and straight through swmm-toolkit (``swmm_run``). Targets (issue #25): capacity < 1 s at 1x and
< 30 s at 100x; export < 2 s at 1x; the simulation within 10 % of swmm_run; continuity error < 2 %.
Prints a table and writes JSON beside bench/run.py's.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, load_pipenet, sample_path, versions  # noqa: E402

FORMULA = {"a1": 9.581, "c": 0.846, "b": 7.0, "n": 0.656}  # the demo's (Makefile DEMO_STORM): Shanghai's
REPEATS = {1: 5, 10: 3}  # in-process capacity runs; 100x: one
MARKER = "storm-bench-json:"
TARGETS = {("capacity", 1): 1.0, ("capacity", 100): 30.0, ("export_swmm", 1): 2.0}


def timed(function, repeats: int = 1) -> tuple[float, object]:
    """Median seconds of ``repeats`` calls, and the last call's value."""
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        value = function()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), value


def measure(size: int, simulation: bool) -> dict:
    """Every storm stage on the county sample of ``size`` in this process."""
    load_pipenet()
    import numpy as np

    from pipenet.network.build.builder import build_network
    from pipenet.network.capacity.design_storm import chicago
    from pipenet.network.capacity.manning import roughness
    from pipenet.network.capacity.rational import StormFormula
    from pipenet.network.capacity.storm import storm_catchments
    from pipenet.network.io.arrow import read_columns
    from pipenet.network.io.swmm_export import write_swmm

    path = str(sample_path(size))
    stages: dict = {}
    stages["build"], network = timed(lambda: build_network(read_columns(path, "pipes", "line")[0],
                                                           read_columns(path, "nodes", "point")[0]))
    table = network.table()
    stages["catchments"], cells = timed(lambda: storm_catchments(table))
    cells.psi = np.full(len(cells.nodes), 0.6)
    formula = StormFormula(**FORMULA, name="bench")
    stages["capacity"], result = timed(lambda: network.storm_capacity(formula, 3.0, cells), REPEATS.get(size, 1))
    run = {"size": size, "pipes": len(table.keys), "storm_pipes": int(result.storm.sum()),
           "under_capacity": int(np.count_nonzero(result.period < 3.0)), "catchments": len(cells.nodes)}
    if size == 1:
        codes, distinct = table.edge_codes("material")
        n = np.append(roughness(distinct), roughness([None]))[codes]
        storm = chicago(formula, 3.0, 120.0, 0.4, 5.0)
        with tempfile.TemporaryDirectory() as folder:
            inp = str(Path(folder) / "county_p3.inp")
            stages["export_swmm"], written = timed(lambda: write_swmm(inp, table, n, cells, storm), 3)
            run["conduits"] = written.conduits
            if simulation:
                run.update(simulate_both(inp, folder, stages))
    run["stages"] = {key: round(value, 3) for key, value in stages.items()}
    run["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
    return run


def simulate_both(inp: str, folder: str, stages: dict) -> dict:
    """The model through PipeNet (stepped, progress and cancel as in the algorithm) and straight through
    swmm_run, one after the other; their reports must agree."""
    from swmm.toolkit import solver

    from pipenet.network.capacity.simulation import engine_version, read_report, simulate
    from pipenet.network.model.records import Progress

    class Told(Progress):  # what the algorithm's FeedbackProgress does between steps, without QGIS
        def __init__(self):
            self.told = 0

        def set_progress(self, percent: float) -> None:
            self.told += 1

        def is_cancelled(self) -> bool:
            return False

    # the engine runs in this process, on one thread (THREADS 1): its CPU time is the figure other processes on
    # the machine do not change; the wall time is given beside it
    cpu = time.process_time()
    stages["simulation_pipenet"], ours = timed(lambda: simulate(inp, f"{folder}/ours.rpt", f"{folder}/ours.out",
                                                                Told()))
    stages["simulation_pipenet_cpu"] = time.process_time() - cpu
    cpu = time.process_time()
    stages["simulation_swmm_run"], _ = timed(lambda: solver.swmm_run(inp, f"{folder}/run.rpt", f"{folder}/run.out"))
    stages["simulation_swmm_run_cpu"] = time.process_time() - cpu
    straight = read_report(f"{folder}/run.rpt")
    return {"engine": engine_version(), "routing_error_pct": ours.routing_error, "runoff_error_pct": ours.runoff_error,
            "flooded_nodes": len(ours.flooded()), "same_report": ours.nodes == straight.nodes
            and ours.links == straight.links,
            "simulation_ratio": round(stages["simulation_pipenet_cpu"] / stages["simulation_swmm_run_cpu"], 3),
            "simulation_ratio_wall": round(stages["simulation_pipenet"] / stages["simulation_swmm_run"], 3)}


def table_lines(runs: list[dict]) -> list[str]:
    """The runs side by side, a stage a line, with the target where there is one."""
    stages = list(dict.fromkeys(stage for run in runs for stage in run["stages"]))
    lines = [f"{'stage (s)':<22}" + "".join(f"{str(run['size']) + 'x':>12}" for run in runs) + "   target"]
    for stage in stages:
        targets = [f"{run['size']}x < {TARGETS[(stage, run['size'])]:g} s" for run in runs
                   if (stage, run["size"]) in TARGETS]
        lines.append(f"{stage:<22}" + "".join(f"{run['stages'].get(stage, ''):>12}" for run in runs)
                     + f"   {', '.join(targets)}")
    limits = {"simulation_ratio": "   < 1.10 (CPU seconds)", "routing_error_pct": "   |e| < 2 %"}
    for key in ("pipes", "storm_pipes", "under_capacity", "simulation_ratio", "simulation_ratio_wall",
                "routing_error_pct", "flooded_nodes", "same_report", "peak_mb"):
        lines.append(f"{key:<22}" + "".join(f"{str(run.get(key, '')):>12}" for run in runs) + limits.get(key, ""))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1")
    parser.add_argument("--no-simulation", action="store_true", help="skip the two SWMM runs (minutes at 1x)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:
        # after a marker: swmm_run writes its progress to the same stdout, without a last newline
        print(MARKER + json.dumps(measure(arguments.measure, not arguments.no_simulation)))
        return
    runs = []
    for size in [int(s) for s in arguments.sizes.split(",") if s]:
        # generated (once) in a process of its own, then measured in another: each size's peak its own
        subprocess.run([sys.executable, "-P", str(Path(__file__).parent / "run.py"), "--generate", str(size),
                        "--networks", "county"], check=True)
        command = [sys.executable, "-P", __file__, "--measure", str(size)]
        result = subprocess.run(command + (["--no-simulation"] if arguments.no_simulation else []),
                                capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stderr[-2000:])
            raise SystemExit(f"storm bench {size}x failed")
        runs.append(json.loads(result.stdout[result.stdout.rindex(MARKER) + len(MARKER):]))
    print("\n".join(table_lines(runs)))
    Path(arguments.out).mkdir(parents=True, exist_ok=True)
    target = Path(arguments.out) / f"storm-{time.strftime('%Y%m%d-%H%M%S')}.json"
    target.write_text(json.dumps({"versions": versions(), "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
                                  "formula": FORMULA, "runs": runs}, indent=1))
    print("written", target)


if __name__ == "__main__":
    main()
