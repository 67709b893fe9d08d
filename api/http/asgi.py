"""Entry point for uvicorn workers: each process builds its app from the environment."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from api.bootstrap import Settings
from api.http.app import create_app

# A worker's heap is mostly long-lived (modules, routes, the Ledger's cached histories), while a
# command allocates thousands of short-lived containers: with the default thresholds (700, 10, 10)
# the collector ran about every other request and walked the whole heap every few hundred,
# measured at 0.4 ms of CPU per payment (of ~3 ms). Objects made at start-up are frozen out of
# collections, and young ones are collected ~30 times less often: cycles are still freed, later.
GC_THRESHOLDS = (20_000, 10, 10)


def app_from_environment() -> FastAPI:
    app = create_app(Settings(), warm_up=True)  # the index and worklist read while the worker answers
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    return app
