"""Run one action in several threads released at once: what workers starting together meet."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_together(action: Callable[[], object], workers: int = 4) -> list[BaseException]:
    """What each call of `action` raised, all calls released by one barrier."""
    start = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(timeout=10)
            action()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "an action did not finish in 30 s"
    return errors
