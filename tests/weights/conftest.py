"""Weights fixtures: a real local HTTP server serving the tiny checkpoint, registered in models.json."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from clipdesk.weights import ModelSpec, load_registry
from tests.weights.helpers import MODEL_NAME, MODEL_URL_PATH, write_models_json
from tests.weights.http_server import FileServer


@pytest.fixture(scope="session")
def tiny_bytes(tiny_vit_path: Path) -> bytes:
    return tiny_vit_path.read_bytes()


@pytest.fixture
def server(tiny_bytes: bytes) -> Iterator[FileServer]:
    with FileServer({MODEL_URL_PATH: tiny_bytes}) as running:
        yield running


@pytest.fixture
def tiny_spec(server: FileServer, tiny_bytes: bytes) -> ModelSpec:
    """The tiny checkpoint registered as ``tiny-vit`` through models.json, served by ``server``."""
    write_models_json([{"name": MODEL_NAME, "url": server.url(MODEL_URL_PATH),
                        "sha256": hashlib.sha256(tiny_bytes).hexdigest()}])
    return load_registry().get(MODEL_NAME)


@pytest.fixture
def models_root() -> Path:
    return Path(os.environ["CLIPDESK_DATA_DIR"]) / "models"


@pytest.fixture
def delays() -> list[float]:
    """Backoff delays a download asked for; pass ``sleep=delays.append`` so tests never sleep."""
    return []


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

