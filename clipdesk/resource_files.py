"""Locate files shipped in ``resources/``, from an installed wheel and from a source checkout alike.

In the wheel, ``resources/`` is installed as the package ``clipdesk.resources``; in a checkout that is
not installed it is the ``resources/`` folder beside ``clipdesk/``.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    """The folder that holds the BPE vocab, icons and translations."""
    spec = importlib.util.find_spec("clipdesk.resources")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            if Path(location, "bpe_simple_vocab_16e6.txt.gz").is_file():
                return Path(location)
    checkout = Path(__file__).resolve().parent.parent / "resources"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("clipdesk's resources folder is missing; reinstall clipdesk")


def resource_path(*parts: str) -> Path:
    """Path of one shipped file, e.g. ``resource_path("icons", "clipdesk.svg")``."""
    return resources_dir().joinpath(*parts)
