"""Independent reads run side by side: on the calling thread and one helper thread with its own
database connection, each taking the next read as it becomes free.

Both SQLite and the PostgreSQL driver let go of Python's lock while the database works, so two
reads that are mostly SQL (Home's cards) take about as long as the longer half rather than the
sum on a machine with a second core. Each read must be a plain read that makes its own queries
(no transaction of the caller's is seen by the helper's connection).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any


def run_side_by_side(reads: Sequence[Callable[[], Any]]) -> list[Any]:
    """Each read's result, in the order given; the first error raised again once both threads
    are done. Put the longest reads first: each thread takes the next one in order."""
    results: list[Any] = [None] * len(reads)
    errors: list[BaseException] = []
    order = iter(range(len(reads)))
    taking = threading.Lock()

    def work() -> None:
        while not errors:
            with taking:
                n = next(order, None)
            if n is None:
                return
            try:
                results[n] = reads[n]()
            except BaseException as exc:  # noqa: BLE001 - raised again on the caller's thread
                errors.append(exc)

    def helper() -> None:
        from .models import database

        db = database.obj
        if db is None:
            return
        try:
            context = db.connection_context()  # this thread's own (PostgreSQL: from the pool)
            context.__enter__()
        except Exception:  # noqa: BLE001 - no second connection: the caller reads them all
            return
        try:
            work()
        finally:
            context.__exit__(None, None, None)

    if len(reads) > 1:
        thread = threading.Thread(target=helper, name="ittdesk-side-read", daemon=True)
        thread.start()
        work()
        thread.join()
    else:
        work()
    if errors:
        raise errors[0]
    return results


__all__ = ["run_side_by_side"]
