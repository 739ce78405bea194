import pytest

from tests.labeling.library.library_photos import have_exiftool


@pytest.fixture(autouse=True)
def _exiftool_is_installed():
    """Every library test reads back with ExifTool; without it they fail with the reason (CI installs it)."""
    assert have_exiftool(), "ExifTool is needed (apt install libimage-exiftool-perl; .ci/run installs it)"


@pytest.fixture()
def log_folder(tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir()
    return folder
