"""The wheel is what users install: it must carry resources/ and work away from the checkout.

Building and installing a wheel takes a while, so the whole module is ``slow``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def dependency_folders() -> list[str]:
    """Where this interpreter finds torch & co.: every site-/dist-packages folder on its path.

    Whatever made this environment -- a plain venv, a venv inside a venv, a system Python, conda -- the
    packages the tests run with are in these folders. ``venv --system-site-packages`` is no substitute:
    it exposes the *base* interpreter's folders, not this venv's.
    """
    return [entry for entry in sys.path
            if os.path.basename(entry) in ("site-packages", "dist-packages") and os.path.isdir(entry)]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # From a clean copy: setuptools reuses an in-tree build/ folder, whose stale files would hide a
    # package left out of pyproject's list.
    source = tmp_path_factory.mktemp("source") / "clipdesk"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(source)],
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


def test_wheel_holds_every_module_of_the_source_tree(wheel: Path) -> None:
    """A sub-package missing from pyproject's list would be absent from the installed app (as
    ``clipdesk bench`` once was): every .py file under clipdesk/ must be in the wheel."""
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {path.relative_to(REPO).as_posix() for path in (REPO / "clipdesk").rglob("*.py")}
    assert sources - names == set()


def test_installed_wheel_tokenizes_from_its_own_resources(wheel: Path, tmp_path: Path) -> None:
    """Installed in a fresh venv, run from an unrelated folder: resources come from site-packages."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    inner_site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                capture_output=True, text=True, check=True).stdout.strip()
    # The wheel goes into the venv's own site-packages; this environment's folders come after it (a .pth
    # line appends a folder without running the .pth files inside it, so an editable install of the
    # checkout stays out of sight) and provide torch & co.
    Path(inner_site, "outer-environment.pth").write_text("\n".join(dependency_folders()) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True)
    script = (
        "import clipdesk, clipdesk.resource_files as r, clipdesk.clip as clip, torch\n"
        "print(clipdesk.__file__)\n"
        "print(r.resources_dir())\n"
        "print(clip.tokenize(['a photo of a red envelope'])[0, :8].tolist())\n"
        "print(torch.__file__)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    result = subprocess.run([str(python), "-c", script], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    module_file, resources, tokens, torch_file = result.stdout.strip().splitlines()
    assert Path(module_file).is_relative_to(venv), module_file
    assert Path(resources).is_relative_to(venv), resources
    assert not Path(torch_file).is_relative_to(venv)  # the dependencies really came from outside
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pkg_resources deprecation inside clip-anytorch
        import clip as reference
    assert tokens == str(reference.tokenize(["a photo of a red envelope"])[0, :8].tolist())
