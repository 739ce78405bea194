"""Fixtures shared by every test package: tiny random checkpoints in both real formats."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import checkpoints
from tests.cn_checkpoints import TINY_CN_CONFIGS, make_reference_cn_model, save_release_format


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own data, cache and config folders: nothing touches the real user's.

    They are removed after the test (models copied in make them tens of MB each), so the run needs
    the disk of a few tests at a time, not of all of them."""
    root = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("CLIPDESK_DATA_DIR", str(root / "data"))
    monkeypatch.setenv("CLIPDESK_CACHE_DIR", str(root / "cache"))
    monkeypatch.setenv("CLIPDESK_CONFIG_DIR", str(root / "config"))
    # No test may ever download real weights: built-in models point at a closed local port.
    monkeypatch.setenv("CLIPDESK_MODEL_MIRROR", "http://127.0.0.1:9/no-real-downloads-in-tests")
    monkeypatch.setenv("CLIPDESK_CN_CLIP_MIRROR", "http://127.0.0.1:9/no-real-downloads-in-tests")
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def checkpoint_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("checkpoints")


@pytest.fixture(scope="session")
def reference_models() -> dict[str, object]:
    """One seeded reference model per tiny architecture family."""
    return {family: checkpoints.make_reference_model(config, seed=i)
            for i, (family, config) in enumerate(checkpoints.TINY_CONFIGS.items())}


@pytest.fixture(scope="session")
def tiny_checkpoints(reference_models: dict, checkpoint_dir: Path) -> dict[tuple[str, str], Path]:
    """``{(family, format): path}`` for family in TINY_CONFIGS and format in ("torchscript", "state_dict")."""
    paths = {}
    for family, model in reference_models.items():
        paths[(family, "torchscript")] = checkpoints.save_torchscript(model, checkpoint_dir / f"{family}.pt")
        paths[(family, "state_dict")] = checkpoints.save_state_dict(model, checkpoint_dir / f"{family}-sd.pt")
    return paths


@pytest.fixture(scope="session")
def tiny_vit_path(tiny_checkpoints: dict) -> Path:
    """The smallest working checkpoint: a tiny ViT as an OpenAI-style TorchScript archive."""
    return tiny_checkpoints[("vit", "torchscript")]


# Chinese-CLIP: tiny reference models of every vision/text pairing, saved as release files.
@pytest.fixture(scope="session")
def cn_reference_models() -> dict[str, object]:
    return {name: make_reference_cn_model(config, seed=index)
            for index, (name, config) in enumerate(TINY_CN_CONFIGS.items())}


@pytest.fixture(scope="session")
def cn_checkpoints(cn_reference_models: dict, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cn-checkpoints")
    return {name: save_release_format(model, folder / f"clip_cn_{name}.pt")
            for name, model in cn_reference_models.items()}


# Ray (the optional cluster extra): the tests marked ``ray`` share one short HOME.
CLUSTER_EXTRA = "needs the cluster extra: pip install -e '.[cluster]'"


@pytest.fixture(scope="session")
def ray_home() -> Iterator[dict[str, str]]:
    """A short temporary HOME and RAY_TMPDIR (Ray's socket paths must fit 107 bytes; its auth token
    goes to ~/.ray): the environment of every Ray the tests start. One for the whole session: Ray
    remembers in-process that it made a token, so a second Ray under another HOME would find none."""
    home = tempfile.mkdtemp(prefix="cdray-")
    env = {"HOME": home, "RAY_TMPDIR": home}
    if "ray" not in sys.modules:  # read when ray is first imported: a local Ray on loopback only
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    pytest.importorskip("ray", reason=CLUSTER_EXTRA)
    pytest.importorskip("pyarrow", reason=CLUSTER_EXTRA)
    yield env
    kill_processes_of(home)
    shutil.rmtree(home, ignore_errors=True)


def kill_processes_of(home: str) -> None:
    """Ray processes left by a killed driver (they carry our RAY_TMPDIR in their environment)."""
    marker = f"RAY_TMPDIR={home}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    os.kill(int(entry.name), signal.SIGKILL)
            except (OSError, ValueError):
                continue
