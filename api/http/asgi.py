"""Entry point for uvicorn workers: each process builds its app from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from api.http.app import create_app
from infrastructure.settings import Settings


def app_from_environment() -> FastAPI:
    return create_app(Settings())
