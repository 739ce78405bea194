"""The wheel is what users install: it must carry resources/ and work away from the checkout."""

from __future__ import annotations

import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        check=True, cwd=out,
    )
    (found,) = out.glob("clipdesk-*.whl")
    return found


def test_wheel_contains_resources(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "clipdesk/resources/bpe_simple_vocab_16e6.txt.gz" in names
    assert any(n.startswith("clipdesk/resources/icons/") for n in names)
    assert "clipdesk/resources/clipdesk.desktop" in names
    assert not any(n.startswith(("tests/", "resources/")) for n in names)


@pytest.mark.slow
def test_installed_wheel_tokenizes_from_its_own_resources(wheel: Path, tmp_path: Path) -> None:
    """Installed in a fresh venv, run from an unrelated folder: resources come from site-packages."""
    venv = tmp_path / "venv"
    # System site-packages provide torch & co.; the wheel itself goes into the venv, which comes first.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    script = (
        "import clipdesk, clipdesk.resource_files as r, clipdesk.clip as clip\n"
        "print(clipdesk.__file__)\n"
        "print(r.resources_dir())\n"
        "print(clip.tokenize(['a photo of a red envelope'])[0, :8].tolist())\n"
    )
    result = subprocess.run([str(python), "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    module_file, resources, tokens = result.stdout.strip().splitlines()
    assert Path(module_file).is_relative_to(venv), module_file
    assert Path(resources).is_relative_to(venv), resources
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pkg_resources deprecation inside clip-anytorch
        import clip as reference
    assert tokens == str(reference.tokenize(["a photo of a red envelope"])[0, :8].tolist())
