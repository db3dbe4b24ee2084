import sys

import numpy as np
import pytest

from pipenet.processing.runtime.memory import release_free_memory


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 1e6


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap")
def test_freed_heap_memory_goes_back_to_the_system():
    blocks = [np.ones(12_500) for _ in range(3000)]  # 100 kB each: from the heap, not mmap
    last = blocks[-1]  # kept, so the freed blocks below it cannot simply be cut off the heap's top
    del blocks
    before = _resident_mb()
    assert release_free_memory()
    assert before - _resident_mb() > 150  # of the 300 MB freed
    assert last.sum() == 12_500
