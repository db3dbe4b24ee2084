"""Cancelling stops an algorithm within a second and leaves no output behind."""

import threading
import time

import pytest
from qgis.core import QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback

from pipenet.network.sample import generate, write_gpkg


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    path = tmp_path_factory.mktemp("cancel") / "county.gpkg"
    write_gpkg(generate(km=300, seed=4), str(path))
    return str(path)


def run_and_cancel(algorithm, parameters, after):
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().createAlgorithmById(algorithm)
    errors = []

    class Feedback(QgsProcessingFeedback):
        def reportError(self, error, fatal=False):  # noqa: N802 (QGIS API)
            errors.append(error)

    feedback = Feedback()
    context = QgsProcessingContext()
    outcome = {}

    def cancel():
        time.sleep(after)
        outcome["cancelled_at"] = time.perf_counter()
        feedback.cancel()

    thread = threading.Thread(target=cancel)
    thread.start()
    try:
        _, ok = alg.run(parameters, context, feedback)
        if not ok:
            outcome["error"] = " ".join(errors)
    except QgsProcessingException as error:
        outcome["error"] = str(error)
    outcome["ended_at"] = time.perf_counter()
    thread.join()
    return outcome


def audit_parameters(county, folder):
    return {"PIPES": f"{county}|layername=pipes", "NODES": f"{county}|layername=nodes",
            "DEFECTS": f"{county}|layername=defects", "EVENTS": f"{county}|layername=events",
            "OUTPUT_FOLDER": str(folder)}


def build_parameters(county, folder):
    return {"PIPES": f"{county}|layername=pipes", "NODES": f"{county}|layername=nodes",
            "OUTPUT_PIPES": str(folder / "built.gpkg"), "OUTPUT_FINDINGS": str(folder / "findings.gpkg")}


@pytest.fixture(scope="module")
def durations(pipenet_plugin, county, tmp_path_factory):
    """How long each run takes uncancelled on this machine, so that cancels land inside the run."""
    from qgis.core import QgsApplication

    found = {}
    for algorithm, parameters in (("pipenet:networkaudit", audit_parameters),
                                  ("pipenet:buildnetwork", build_parameters)):
        alg = QgsApplication.processingRegistry().createAlgorithmById(algorithm)
        started = time.perf_counter()
        alg.run(parameters(county, tmp_path_factory.mktemp("full")), QgsProcessingContext(), QgsProcessingFeedback())
        found[algorithm] = time.perf_counter() - started
    return found


@pytest.mark.parametrize("fraction", [0.02, 0.3, 0.6])
def test_audit_cancel_stops_quickly_and_leaves_nothing(pipenet_plugin, county, durations, tmp_path, fraction):
    out = tmp_path / "audit"
    outcome = run_and_cancel("pipenet:networkaudit", audit_parameters(county, out),
                             fraction * durations["pipenet:networkaudit"])
    assert "error" in outcome and "Cancelled" in outcome["error"], outcome
    assert outcome["ended_at"] - outcome["cancelled_at"] < 1.0
    assert not out.exists() or not list(out.iterdir())


@pytest.mark.parametrize("fraction", [0.02, 0.4])
def test_build_cancel_leaves_no_layer_file(pipenet_plugin, county, durations, tmp_path, fraction):
    outcome = run_and_cancel("pipenet:buildnetwork", build_parameters(county, tmp_path),
                             fraction * durations["pipenet:buildnetwork"])
    assert "error" in outcome, outcome
    assert outcome["ended_at"] - outcome["cancelled_at"] < 1.0
    assert not (tmp_path / "built.gpkg").exists() and not (tmp_path / "findings.gpkg").exists()


@pytest.mark.parametrize("algorithm, extra", [
    ("connectivity", {"OUTPUT_SUMMARY": "summary.gpkg"}), ("hydraulicchecks", {}), ("illicitconnections", {}),
    ("accumulate", {}), ("upstreamtrace", {"START_NODES": "YS000-OUT"}), ("conditionscore", {"DEFECTS": "defects"}),
    ("hotspots", {"DEFECTS": "defects"}), ("riskregister", {"OUTPUT_CSV": "risk.csv"}),
])
def test_every_analysis_cancels_cleanly(pipenet_plugin, county, tmp_path, algorithm, extra):
    parameters = {"PIPES": f"{county}|layername=pipes", "NODES": f"{county}|layername=nodes",
                  "OUTPUT_FINDINGS": str(tmp_path / "findings.gpkg"), "OUTPUT_PIPES": str(tmp_path / "pipes.gpkg")}
    for key, value in extra.items():
        parameters[key] = f"{county}|layername={value}" if key == "DEFECTS" else \
            (str(tmp_path / value) if "." in value else value)
    outcome = run_and_cancel(f"pipenet:{algorithm}", parameters, 0.05)
    assert "error" in outcome and "Cancelled" in outcome["error"], outcome
    assert outcome["ended_at"] - outcome["cancelled_at"] < 1.0
    assert not [p.name for p in tmp_path.iterdir()]
