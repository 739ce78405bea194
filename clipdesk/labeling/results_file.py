"""A results file written while the run goes, so results never have to fit in memory.

Rows go to ``<name>.<random>.partial`` next to the target as each batch finishes (flushed, so a run
killed outright -- out of memory, ``kill -9``, power cut -- leaves the photos done in a file whose name
says it is incomplete). :meth:`ResultsFile.finish` fsyncs it and renames it over the target in one
step: a reader sees the old results or the new ones, never half of either. The formats are those of
:mod:`clipdesk.labeling.export`.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType

from clipdesk.labeling.export import (
    CsvRows,
    csv_header,
    csv_row,
    file_mode,
    json_head,
    json_result,
    json_tail,
    text_cell,
)
from clipdesk.labeling.keep_rule import KeepRule
from clipdesk.labeling.predictions import Prediction

PARTIAL_SUFFIX = ".partial"
KEPT_COLUMN = "kept"  # CSV: the labels the photo keeps, joined by KEPT_SEPARATOR (JSON: a list)
KEPT_SEPARATOR = "|"
NOT_LABELLED = "not labelled: the run was stopped"


class ResultsFile:
    """``add(predictions)`` batch by batch, then ``finish()``; or ``discard()``. As a context manager
    an error (a failed write: disk full…) discards the partial file, while an interrupt
    (KeyboardInterrupt, SystemExit) leaves it -- ``partial_path`` -- with every photo added so far."""

    def __init__(self, path: str | os.PathLike[str], labels: Sequence[str], templates: Sequence[str],
                 model: str, keep: int | None = None, rule: KeepRule | None = None) -> None:
        suffix = Path(path).suffix.lower()
        if suffix not in (".csv", ".json"):
            raise ValueError(f"cannot export to {os.fspath(path)!r}: the file name must end in .csv or .json")
        self.target = Path(os.path.realpath(path))  # a symbolic link is written through, and stays a link
        self.labels = tuple(labels)
        self.keep = keep
        self.rule = rule  # with a keep rule, each row also says which labels the photo keeps
        self._json = suffix == ".json"
        folder = self.target.parent
        handle, name = tempfile.mkstemp(prefix=f"{self.target.name}.", suffix=PARTIAL_SUFFIX, dir=folder)
        self.partial_path = Path(name)
        self._stream = os.fdopen(handle, "w", encoding="utf-8", newline="")
        self._rows = CsvRows(self._stream)
        self._first = True
        self.written = 0
        try:
            if self._json:
                head = json_head(labels, templates, model, keep)
                if rule is not None:
                    head["keep"] = rule.text
                self._stream.write("{\n" + "".join(f"  {_json(k)}: {_json(v)},\n" for k, v in head.items())
                                   + '  "results": [')
            else:
                header = csv_header(labels, keep)
                self._rows.write(header if rule is None else [*header[:-1], KEPT_COLUMN, header[-1]])
            self._stream.flush()
        except BaseException:
            self.discard()
            raise

    def add(self, predictions: Iterable[Prediction]) -> None:
        """Append rows and flush them to the partial file."""
        for prediction in predictions:
            kept = self.rule.kept(prediction) if self.rule is not None else None
            if self._json:
                result = json_result(prediction)
                if kept is not None:
                    error = result.pop("error")
                    result.update(kept=list(kept), error=error)
                self._stream.write(("\n    " if self._first else ",\n    ") + _json(result))
                self._first = False
            else:
                row = csv_row(prediction, self.labels, self.keep)
                if kept is not None:
                    row = [*row[:-1], text_cell(KEPT_SEPARATOR.join(kept)), row[-1]]
                self._rows.write(row)
            self.written += 1
        self._stream.flush()

    def finish(self, not_labelled: Sequence[str] = ()) -> Path:
        """Close the document (``not_labelled``: the photos a stopped run did not reach, which marks
        it incomplete), make it durable and put it in place. Returns the target path."""
        if self._json:
            tail = json_tail(not_labelled)
            self._stream.write(("\n  ]" if not self._first else "]")
                               + "".join(f",\n  {_json(k)}: {_json(v)}" for k, v in tail.items()) + "\n}\n")
        else:
            self.add(Prediction.failed(path, NOT_LABELLED) for path in not_labelled)
        self._stream.flush()
        os.fsync(self._stream.fileno())
        self._stream.close()
        os.chmod(self.partial_path, file_mode(self.target))  # mkstemp makes 0600; results are ordinary files
        os.replace(self.partial_path, self.target)
        return self.target

    def discard(self) -> None:
        """Remove the partial file (the target, if any, stays as it was)."""
        with contextlib.suppress(OSError, ValueError):
            self._stream.close()
        with contextlib.suppress(OSError):
            os.unlink(self.partial_path)

    def close_partial(self) -> None:
        """Keep the partial file as it stands (after an interrupt), closed."""
        with contextlib.suppress(OSError, ValueError):
            self._stream.close()

    @property
    def finished(self) -> bool:
        return self._stream.closed and not self.partial_path.exists()

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is None:
            if not self._stream.closed:  # left without finish(): nothing is put in place
                self.discard()
        elif issubclass(kind, Exception):
            self.discard()  # a failed write (disk full…) or a bug: no half file is left behind
        else:
            self.close_partial()  # an interrupt: what was done stays, in the file named partial


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)  # strict parsers reject NaN
