"""Outputs finished in threads: whoever writes a file waits for the work still writing that file, and only that."""

import threading

import pytest


def test_a_writer_waits_only_for_work_on_its_own_file(pipenet_plugin, tmp_path):
    from pipenet.processing.outputs.writers import OutputWriters
    from pipenet.processing.runtime.background import Finishing, wait_for_file

    released, finished = threading.Event(), []
    pipes, findings = str(tmp_path / "pipes.gpkg"), str(tmp_path / "findings.gpkg")
    writers = OutputWriters()
    writers.background = [Finishing(pipes, lambda: (released.wait(10), finished.append(pipes)))]
    writers.wait_for_outputs(findings)  # another file: returns at once, the pipes still being finished
    wait_for_file(writers.background, findings)
    assert finished == []
    released.set()
    writers.wait_for_outputs(str(tmp_path / "." / "pipes.gpkg"))  # the same file, however it is spelt
    assert finished == [pipes]


def test_an_error_in_a_thread_reaches_the_writer_of_its_file(pipenet_plugin, tmp_path):
    from pipenet.processing.runtime.background import Finishing, wait_for_file

    def broken():
        raise OSError("disk full")

    background = [Finishing(str(tmp_path / "pipes.gpkg"), broken)]
    wait_for_file(background, str(tmp_path / "nodes.gpkg"))
    with pytest.raises(OSError, match="disk full"):
        wait_for_file(background, str(tmp_path / "pipes.gpkg"))
