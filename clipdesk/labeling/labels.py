"""Turning what a person typed into labels and prompt templates the model can use.

Pure string work (no torch), so the window can clean labels on every keystroke.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_TEMPLATE = "a photo of a {}."
PLACEHOLDER = "{}"


@dataclass(frozen=True)
class CleanedLabels:
    """Labels ready to rank, and what was changed to get there (shown to the user, never fatal)."""

    labels: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def clean_labels(labels: Iterable[str]) -> CleanedLabels:
    """Trim each label, drop blanks, drop repeats (first one wins) with a warning per repeat.

    Repeats are compared after Unicode NFC normalisation and trimming, so "cat" and " cat " are one
    label. Order is kept: it is the column order of exports.
    """
    kept: list[str] = []
    seen: set[str] = set()
    warnings: list[str] = []
    for raw in labels:
        label = _tidy(raw)
        if not label:
            continue
        if label in seen:
            warnings.append(f"duplicate label {label!r} ignored")
            continue
        seen.add(label)
        kept.append(label)
    return CleanedLabels(tuple(kept), tuple(warnings))


def clean_templates(templates: Iterable[str] | None) -> tuple[str, ...]:
    """Trimmed, de-duplicated prompt templates; the default when none are given.

    Raises ValueError for a template without ``{}``: it would give every label the same prompt and
    therefore the same probability, which is never what the user meant.
    """
    kept: list[str] = []
    for raw in templates or ():
        template = _tidy(raw)
        if not template:
            continue
        if PLACEHOLDER not in template:
            raise ValueError(f"template {template!r} has no {{}} where the label goes, "
                             f"e.g. {DEFAULT_TEMPLATE!r}")
        if template not in kept:
            kept.append(template)
    return tuple(kept) or (DEFAULT_TEMPLATE,)


def fill_template(template: str, label: str) -> str:
    """The prompt for one label. Plain replacement, not ``str.format``: a label or template holding
    other braces (``"{x}"``, ``"}"``) is text, not a formatting error."""
    return template.replace(PLACEHOLDER, label)


def _tidy(text: str) -> str:
    return unicodedata.normalize("NFC", str(text)).strip()
