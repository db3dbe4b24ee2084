"""Every corpus case through the algorithms it applies to, in-process and through qgis_process."""

import importlib.util
import json
import sys
import tempfile
from pathlib import Path

import pytest
from qgis.core import QgsProcessingContext, QgsProcessingFeedback

spec = importlib.util.spec_from_file_location("pipenet_corpus", Path(__file__).with_name("corpus.py"))
corpus = importlib.util.module_from_spec(spec)
sys.modules["pipenet_corpus"] = corpus  # dataclasses look their module up
spec.loader.exec_module(corpus)

CASES = corpus.build_corpus(Path(tempfile.mkdtemp(prefix="pipenet-corpus-")))  # for the test ids
ALGORITHMS = ["buildnetwork", "connectivity", "hydraulicchecks", "illicitconnections", "accumulate"]


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    return {case.name: case for case in corpus.build_corpus(tmp_path_factory.mktemp("corpus"))}


def run(algorithm, case, outputs):
    from qgis.core import QgsApplication

    errors = []

    class Feedback(QgsProcessingFeedback):
        def reportError(self, error, fatal=False):  # noqa: N802 (QGIS API)
            errors.append(error)

    alg = QgsApplication.processingRegistry().createAlgorithmById(f"pipenet:{algorithm}")
    parameters = {"PIPES": case.pipes, "NODES": case.nodes or None, **case.parameters, **outputs}
    results, ok = alg.run(parameters, QgsProcessingContext(), Feedback())
    return results, ok, " ".join(errors)


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_in_process(pipenet_plugin, cases, name, tmp_path):
    case = cases[name]
    for algorithm in ALGORITHMS:
        results, ok, error = run(algorithm, case, {"OUTPUT_FINDINGS": str(tmp_path / f"{algorithm}.gpkg"),
                                                   "OUTPUT_PIPES": "TEMPORARY_OUTPUT"})
        assert "Traceback" not in error
        if case.expect_error:
            assert not ok, (algorithm, results)
            for text in case.expect_error:
                assert text in error, (algorithm, error)
            assert not (tmp_path / f"{algorithm}.gpkg").exists()  # nothing half-written
            continue
        assert ok, (algorithm, error)
        if algorithm == "buildnetwork":
            from qgis.core import QgsVectorLayer

            findings = QgsVectorLayer(str(tmp_path / "buildnetwork.gpkg"), "f", "ogr")
            checks = {f["check"] for f in findings.getFeatures()}
            assert set(case.expect_checks) <= checks, (checks, case.expect_checks)
            if case.expect_pipes is not None:
                assert results["PIPE_COUNT"] == case.expect_pipes


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ["buildnetwork", "connectivity", "hydraulicchecks", "illicitconnections"])
@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_through_qgis_process(qgis_process, cases, name, algorithm, tmp_path):
    case = cases[name]
    arguments = [f"PIPES={case.pipes}", f"OUTPUT_FINDINGS={tmp_path}/f.gpkg"]
    if case.nodes:
        arguments.append(f"NODES={case.nodes}")
    arguments += [f"{key}={value}" for key, value in case.parameters.items()]
    result = qgis_process("run", f"pipenet:{algorithm}", "--json", "--", *arguments, check=False)
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    if case.expect_error:
        assert result.returncode != 0
        for text in case.expect_error:
            assert text in output
        assert not (tmp_path / "f.gpkg").exists()
        return
    assert result.returncode == 0, output[-2000:]
    if algorithm == "buildnetwork":
        payload = json.loads(result.stdout[result.stdout.index("{"):])["results"]
        for check in case.expect_checks:
            assert f"{check}=" in payload["FINDINGS_BY_CHECK"]


def test_unwritable_output_folder_is_a_clean_error(pipenet_plugin, cases, tmp_path):
    blocker = tmp_path / "a_file.txt"  # a folder cannot be made inside a file, even by root
    blocker.write_text("x")
    plain = corpus.Case("plain", "", "", pipes=cases["missing_field"].pipes)
    _, ok, error = run("networkaudit", plain, {"OUTPUT_FOLDER": str(blocker / "audit")})
    assert not ok and "a_file.txt" in error and "Traceback" not in error
    _, ok, error = run("buildnetwork", plain, {"OUTPUT_PIPES": str(blocker / "out.gpkg")})
    assert not ok and "Traceback" not in error and error


def test_existing_output_is_overwritten(pipenet_plugin, cases, tmp_path):
    target = tmp_path / "out.gpkg"
    case = cases["multipart"]
    for _ in range(2):
        results, ok, error = run("buildnetwork", case, {"OUTPUT_PIPES": str(target)})
        assert ok, error
    from qgis.core import QgsVectorLayer

    assert QgsVectorLayer(str(target), "o", "ogr").featureCount() == 2
