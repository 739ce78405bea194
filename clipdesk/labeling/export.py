"""Results on disk as CSV and JSON, written atomically: a reader sees the old file or the new one,
never half of one, even if the process is killed mid-write.

CSV: ``path,top_label,top_probability,<label 1>,…,<label N>,error`` — one row per file, probabilities
as plain decimals, ``error`` empty on success; a failed file has only ``path`` and ``error``. A text
cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return) is written with a leading ``'``, as spreadsheet exports conventionally do; a cell holding a line
break of any kind is quoted, so every file is one row.
JSON: ``{"model", "templates", "labels", "results": [{"path", "predictions": [{"label",
"probability"}, …] (most probable first), "error"}]}``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from clipdesk.labeling.predictions import Prediction

EXPORT_SUFFIXES = (".csv", ".json")
PROBABILITY_DIGITS = 6


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet run a cell (OWASP's list)


def write_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` as UTF-8 via a temporary file in the same folder, fsync, then ``os.replace``.

    A symbolic link is written through: its target is replaced and the link stays a link."""
    target = Path(os.path.realpath(path))
    folder = target.parent if str(target.parent) else Path(".")
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, _file_mode(target))  # mkstemp makes 0600; exports are ordinary files
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    return target


def _file_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o777  # replacing a file keeps its permissions
    except OSError:
        return 0o666 & ~_umask()


@lru_cache(maxsize=1)
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def csv_text(predictions: Sequence[Prediction], labels: Sequence[str]) -> str:
    buffer = io.StringIO()
    rows = CsvRows(buffer)
    rows.write(["path", "top_label", "top_probability", *map(text_cell, labels), "error"])
    for prediction in predictions:
        path = text_cell(printable_path(prediction.path))
        if prediction.error is not None or prediction.top is None:
            rows.write([path, "", "", *([""] * len(labels)), text_cell(prediction.error or "")])
            continue
        by_label = {score.label: score.probability for score in prediction.scores}
        rows.write([
            path, text_cell(prediction.top.label), _decimal(prediction.top.probability),
            *(_decimal(by_label[label]) if label in by_label else "" for label in labels), "",
        ])
    return buffer.getvalue()


class CsvRows:
    """CSV rows with ``\n`` endings. Python's writer quotes only the characters of its own line ending,
    so a cell holding a carriage return (legal in a file name) would break its row in two for every
    reader; such rows are written with every cell quoted."""

    def __init__(self, stream: io.TextIOBase) -> None:
        self._minimal = csv.writer(stream, lineterminator="\n")
        self._quoted = csv.writer(stream, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def write(self, cells: Sequence[str]) -> None:
        breaks = any(any(c in cell for c in "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029") for cell in cells)
        (self._quoted if breaks else self._minimal).writerow(cells)


def text_cell(text: str) -> str:
    """A text cell a spreadsheet shows as text, never runs as a formula (``'=1+1`` for ``=1+1``)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def json_document(predictions: Sequence[Prediction], labels: Sequence[str], templates: Sequence[str],
                  model: str) -> dict[str, object]:
    return {
        "model": printable_path(model),
        "templates": list(templates),
        "labels": list(labels),
        "results": [
            {
                "path": printable_path(p.path),
                "predictions": [{"label": s.label, "probability": _finite_or_none(s.probability)}
                                for s in p.scores],
                "error": p.error,
            }
            for p in predictions
        ],
    }


def write_csv(path: str | os.PathLike[str], predictions: Sequence[Prediction], labels: Sequence[str]) -> Path:
    return write_atomic(path, csv_text(predictions, labels))


def write_json(path: str | os.PathLike[str], predictions: Sequence[Prediction], labels: Sequence[str],
               templates: Sequence[str], model: str) -> Path:
    document = json_document(predictions, labels, templates, model)
    text = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False)  # strict parsers reject NaN
    return write_atomic(path, text + "\n")


def write_results(path: str | os.PathLike[str], predictions: Sequence[Prediction], labels: Sequence[str],
                  templates: Sequence[str], model: str) -> Path:
    """CSV or JSON, chosen by the file's suffix (ValueError for any other)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return write_csv(path, predictions, labels)
    if suffix == ".json":
        return write_json(path, predictions, labels, templates, model)
    raise ValueError(f"cannot export to {os.fspath(path)!r}: the file name must end in .csv or .json")


def printable_path(path: str) -> str:
    """``path`` as valid Unicode. A file name that is not UTF-8 (an old camera's or a Windows zip's
    Latin-1 "caf\\xe9.jpg") reaches Python with stand-in surrogates that no UTF-8 file can hold;
    its undecodable bytes are written as ``\\xNN`` escapes instead of failing the whole export."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _decimal(probability: float) -> str:
    """A plain decimal (never ``1e-07``), so every spreadsheet reads it as a number."""
    return f"{probability:.{PROBABILITY_DIGITS}f}"
