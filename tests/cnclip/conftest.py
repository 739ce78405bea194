"""Chinese-CLIP fixtures: tiny reference models of every pairing, saved as release files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cn_checkpoints import TINY_CN_CONFIGS, make_reference_cn_model, save_release_format


@pytest.fixture(scope="session")
def cn_reference_models() -> dict[str, object]:
    return {name: make_reference_cn_model(config, seed=index)
            for index, (name, config) in enumerate(TINY_CN_CONFIGS.items())}


@pytest.fixture(scope="session")
def cn_checkpoints(cn_reference_models: dict, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cn-checkpoints")
    return {name: save_release_format(model, folder / f"clip_cn_{name}.pt")
            for name, model in cn_reference_models.items()}
