"""``--precision`` on classify and label: auto (the default) is fast exactly where the hardware computes
bf16 natively, exact and fast are honoured as given, anything else is a usage error."""

from __future__ import annotations

import pytest

from clipdesk.clip import precision
from clipdesk.labeling import ZeroShotClassifier
from tests import photos

LABELS = "dog,cat,rocket"


@pytest.fixture
def used_precisions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The precision each classifier the CLI builds is given."""
    seen: list[str] = []
    original = ZeroShotClassifier.__init__

    def recording(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs.get("precision", "exact"))
        original(self, *args, **kwargs)

    monkeypatch.setattr(ZeroShotClassifier, "__init__", recording)
    return seen


@pytest.mark.parametrize("native, expected", [(True, "fast"), (False, "exact")])
def test_auto_is_fast_only_where_bf16_is_native(cli, tmp_path, tiny_vit_path, used_precisions, monkeypatch,
                                                native, expected):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: native)
    image = photos.write_jpeg(tmp_path, "rocket")

    run = cli("classify", image, "--labels", LABELS, "--model", tiny_vit_path, "--device", "cpu")

    assert run.code == 0, run.err
    assert used_precisions == [expected]


@pytest.mark.parametrize("command", ["classify", "label"])
@pytest.mark.parametrize("chosen", ["exact", "fast"])
def test_an_explicit_precision_is_used_as_given(cli, tmp_path, tiny_vit_path, used_precisions, command, chosen):
    image = photos.write_jpeg(tmp_path, "coffee")
    extra = ["--out", tmp_path / "out.csv"] if command == "label" else []

    run = cli(command, image, "--labels", LABELS, "--model", tiny_vit_path, "--precision", chosen, *extra)

    assert run.code == 0, run.err
    assert used_precisions == [chosen]


def test_an_unknown_precision_is_a_usage_error(cli, tmp_path, tiny_vit_path):
    run = cli("classify", photos.write_jpeg(tmp_path, "coffee"), "--labels", LABELS, "--model", tiny_vit_path,
              "--precision", "half")

    assert run.code == 2 and "invalid choice: 'half'" in run.err
