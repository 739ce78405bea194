"""Results on disk as CSV and JSON, written atomically: a reader sees the old file or the new one,
never half of one, even if the process is killed mid-write.

CSV: ``path,top_label,top_probability,<label 1>,…,<label N>,error`` — one row per file, probabilities
as plain decimals, ``error`` empty on success; a failed file has only ``path`` and ``error``. A text
cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return) is written with a leading ``'``, as spreadsheet exports conventionally do; a cell holding a line
break of any kind is quoted, so every file is one row.
With ``keep`` (only the K most probable labels per photo, for huge label lists) the CSV is ranked:
``path,top_label,top_probability,label_2,probability_2,…,label_K,probability_K,error``.
JSON: ``{"model", "templates", "labels", "top", "results": [{"path", "predictions": [{"label",
"probability"}, …] (most probable first), "error"}], "complete", "not_labelled"}``; ``top`` is K or
null (every label); ``complete`` is false for a stopped run, and ``not_labelled`` lists the photos it
did not reach (empty for a complete run).
A stopped run's CSV has a row for each of those, with the error "not labelled: the run was stopped".
"""

from __future__ import annotations

import contextlib
import csv
import io
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
    folder = target.parent
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, file_mode(target))  # mkstemp makes 0600; exports are ordinary files
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    return target


def file_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o777  # replacing a file keeps its permissions
    except OSError:
        return 0o666 & ~_umask()


@lru_cache(maxsize=1)
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def csv_text(predictions: Sequence[Prediction], labels: Sequence[str], keep: int | None = None) -> str:
    """The whole CSV for ``predictions`` (see the module docstring; ``keep``: the ranked layout)."""
    buffer = io.StringIO()
    rows = CsvRows(buffer)
    rows.write(csv_header(labels, keep))
    for prediction in predictions:
        rows.write(csv_row(prediction, labels, keep))
    return buffer.getvalue()


def csv_header(labels: Sequence[str], keep: int | None = None) -> list[str]:
    """Every label's column when ``keep`` is None, else the ranked layout for the ``keep`` most
    probable: ``label_2,probability_2,…`` after the top label (a results file stays as wide as a
    person can read, however many labels were ranked)."""
    if keep is None:
        return ["path", "top_label", "top_probability", *map(text_cell, labels), "error"]
    ranked = [name for rank in range(2, keep + 1) for name in (f"label_{rank}", f"probability_{rank}")]
    return ["path", "top_label", "top_probability", *ranked, "error"]


def csv_row(prediction: Prediction, labels: Sequence[str], keep: int | None = None) -> list[str]:
    width = len(labels) if keep is None else 2 * (keep - 1)
    path = text_cell(printable_path(prediction.path))
    if prediction.error is not None or prediction.top is None:
        return [path, "", "", *([""] * width), text_cell(prediction.error or "")]
    if keep is None:
        by_label = {score.label: score.probability for score in prediction.scores}
        cells = [_decimal(by_label[label]) if label in by_label else "" for label in labels]
    else:
        cells = [cell for score in prediction.scores[1:keep]
                 for cell in (text_cell(score.label), _decimal(score.probability))]
        cells += [""] * (width - len(cells))
    return [path, text_cell(prediction.top.label), _decimal(prediction.top.probability), *cells, ""]


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
                  model: str, keep: int | None = None, not_labelled: Sequence[str] = ()) -> dict[str, object]:
    """The JSON document as a dict (``classify --json`` prints it; results files stream the same)."""
    return {**json_head(labels, templates, model, keep), "results": [json_result(p) for p in predictions],
            **json_tail(not_labelled)}


def json_head(labels: Sequence[str], templates: Sequence[str], model: str, keep: int | None) -> dict[str, object]:
    return {"model": printable_path(model), "templates": list(templates), "labels": list(labels), "top": keep}


def json_result(prediction: Prediction) -> dict[str, object]:
    return {
        "path": printable_path(prediction.path),
        "predictions": [{"label": s.label, "probability": _finite_or_none(s.probability)}
                        for s in prediction.scores],
        "error": prediction.error,
    }


def json_tail(not_labelled: Sequence[str]) -> dict[str, object]:
    """``complete`` (false for a run that was stopped) and ``not_labelled``, the photos it did not
    reach -- always present, so a script reads one shape of document."""
    return {"complete": not not_labelled, "not_labelled": [printable_path(path) for path in not_labelled]}


def write_csv(path: str | os.PathLike[str], predictions: Sequence[Prediction], labels: Sequence[str],
              keep: int | None = None) -> Path:
    return write_results(path, predictions, labels, (), "", keep)


def write_json(path: str | os.PathLike[str], predictions: Sequence[Prediction], labels: Sequence[str],
               templates: Sequence[str], model: str, keep: int | None = None) -> Path:
    return write_results(path, predictions, labels, templates, model, keep)


def write_results(path: str | os.PathLike[str], predictions: Sequence[Prediction], labels: Sequence[str],
                  templates: Sequence[str], model: str, keep: int | None = None) -> Path:
    """CSV or JSON, chosen by the file's suffix (ValueError for any other), written atomically."""
    from clipdesk.labeling.results_file import ResultsFile

    with ResultsFile(path, labels, templates, model, keep) as results:
        results.add(predictions)
        return results.finish()


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
