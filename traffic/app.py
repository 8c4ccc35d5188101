"""The whole application: the HTTP API and the police's pages in one FastAPI app, over the same services."""
from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from traffic.api.app import create_api
from traffic.settings import Settings
from traffic.web.app import install_web


def create_app(settings: Settings, *, engine: Engine | None = None, run_workers: bool = False) -> FastAPI:
    """The app `traffic serve` runs; with ``run_workers`` it also runs the embedded ingest workers."""
    return create_api(settings, engine=engine, run_workers=run_workers, extend=install_web)
