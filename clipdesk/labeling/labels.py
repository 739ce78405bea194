"""Turning what a person typed into labels and prompt templates the model can use.

Pure string work (no torch), so the window can clean labels on every keystroke.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from clipdesk.defaults import DEFAULT_TEMPLATE

PLACEHOLDER = "{}"

# How big a label list may grow before clipdesk changes how it treats it.
HUGE_LABEL_COUNT = 10_000  # more than anyone reads: a warning with the expected encoding time
ALL_SCORES_MAX_LABELS = 1_000  # up to this many labels, results keep every label's probability…
HUGE_LIST_TOP_K = 10  # …beyond, the most probable few per photo, so results and memory stay small
KEEP_ALL = 0  # a ``top`` asking for every label, however many


def kept_per_photo(label_count: int, top: int | None = None) -> int | None:
    """How many ranked labels each result keeps: ``top`` when the user chose (``KEEP_ALL``: every one),
    else every label up to ``ALL_SCORES_MAX_LABELS`` and the ``HUGE_LIST_TOP_K`` most probable beyond.
    None means every label."""
    if top is not None:
        return None if top == KEEP_ALL or top >= label_count else top
    return None if label_count <= ALL_SCORES_MAX_LABELS else HUGE_LIST_TOP_K


def is_huge_label_list(label_count: int) -> bool:
    return label_count > HUGE_LABEL_COUNT


@dataclass(frozen=True)
class CleanedLabels:
    """Labels ready to rank, and what was changed to get there (shown to the user, never fatal)."""

    labels: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def clean_labels(labels: Iterable[str], on_progress: Callable[[int, int], None] | None = None,
                 every: int = 10_000) -> CleanedLabels:
    """Trim each label, collapse runs of spaces, drop invisible characters, drop blanks, drop labels
    holding control characters and repeats (first one wins) with a warning each.

    Repeats are what the model cannot tell apart: CLIP's tokenizer lower-cases the prompt and
    collapses whitespace, so "Dog", "dog" and "DOG" are one prompt and would only split the same
    probability between them. Compared after Unicode NFC normalisation. Order is kept: it is the
    column order of exports. ``on_progress(done, total)`` is told every ``every`` labels (a keyword list
    of 200,000 takes seconds).
    """
    labels = labels if isinstance(labels, (list, tuple)) or on_progress is None else list(labels)
    kept: list[str] = []
    first_spelling: dict[str, str] = {}
    warnings: list[str] = []
    for done, raw in enumerate(labels):
        if on_progress is not None and done % every == 0:
            on_progress(done, len(labels))  # type: ignore[arg-type]
        label = _tidy(raw)
        if not label:
            if str(raw).strip():  # there was something, but nothing visible: zero-width spaces, BOMs…
                warnings.append(f"label {str(raw)!r} ignored: it has no visible characters")
            continue
        if any(unicodedata.category(c) == "Cc" for c in label):
            warnings.append(f"label {label!r} ignored: it contains control characters (is the labels file "
                            "in an encoding clipdesk did not recognise?)")
            continue
        key = label.lower()  # what the tokenizer does (after collapsing whitespace, done by _tidy)
        if key in first_spelling:
            first = first_spelling[key]
            warnings.append(f"duplicate label {label!r} ignored" if first == label else
                            f"duplicate label {label!r} ignored: the model ignores case, so it is "
                            f"the same as {first!r}")
            continue
        first_spelling[key] = label
        kept.append(label)
    if on_progress is not None:
        on_progress(len(labels), len(labels))  # type: ignore[arg-type]
    return CleanedLabels(tuple(kept), tuple(warnings))


def clean_templates(templates: Iterable[str] | None, default: str = DEFAULT_TEMPLATE) -> tuple[str, ...]:
    """Trimmed, de-duplicated prompt templates; ``default`` (the model family's) when none are given.

    Raises ValueError for a template without ``{}``: it would give every label the same prompt and
    therefore the same probability, which is never what the user meant.
    """
    kept: list[str] = []
    for raw in templates or ():
        template = _tidy(raw)
        if not template:
            continue
        if PLACEHOLDER not in template:
            hint = " (just {}, without a name or number inside)" if "{" in template else ""
            raise ValueError(f"template {template!r} has no {{}} where the label goes{hint}, "
                             f"e.g. {DEFAULT_TEMPLATE!r}")
        if template not in kept:
            kept.append(template)
    return tuple(kept) or (default,)


def fill_template(template: str, label: str) -> str:
    """The prompt for one label. Plain replacement, not ``str.format``: a label or template holding
    other braces (``"{x}"``, ``"}"``) is text, not a formatting error."""
    return template.replace(PLACEHOLDER, label)


def _tidy(text: str) -> str:
    """NFC, invisible format characters removed, ends trimmed, every whitespace run (tabs, newlines
    from a CSV cell) one space; bytes that were not UTF-8 on the command line (lone surrogates, which
    no export could write) become "�".

    Format characters (zero-width space, BOM, direction marks, soft hyphen…) are invisible, so "dog"
    and "dog" + U+200B would look like one label and rank as two. Only the joiners that shape what is
    seen -- ZWJ in an emoji sequence, ZWNJ in Persian or Indic words -- stay, where they stand between
    two non-ASCII characters.
    """
    text = str(text).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = unicodedata.normalize("NFC", text)
    kept = [c for i, c in enumerate(text) if unicodedata.category(c) != "Cf" or _shaping_joiner(text, i)]
    return " ".join("".join(kept).split())


JOINERS = frozenset({"\u200c", "\u200d"})  # ZWNJ, ZWJ


def _shaping_joiner(text: str, index: int) -> bool:
    if text[index] not in JOINERS or index == 0 or index == len(text) - 1:
        return False
    before, after = text[index - 1], text[index + 1]
    return not (before.isascii() or after.isascii() or before.isspace() or after.isspace())
