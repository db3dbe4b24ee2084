import threading
import time

import pytest

from pipenet.network.parallel import in_threads


def test_results_come_in_order_from_several_threads():
    names = set()

    def work(item):
        names.add(threading.current_thread().name)
        time.sleep(0.002)
        return item * 2

    assert in_threads(work, range(40), workers=2) == [item * 2 for item in range(40)]
    assert len(names) == 2


def test_the_first_error_is_raised_and_items_not_started_are_dropped():
    started = []

    def work(item):
        started.append(item)
        if item == 0:
            raise ValueError("stop")
        time.sleep(0.01)

    with pytest.raises(ValueError, match="stop"):
        in_threads(work, range(100), workers=2)
    assert len(started) < 100
