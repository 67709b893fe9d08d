"""Python's cyclic garbage collector off while a bulk pass allocates (reference counting still frees
whatever the pass drops). A rebuild or a scan keeps hundreds of thousands of objects alive, and each
full collection walks all of them: measured here, collections took over half of a rebuild's time."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
