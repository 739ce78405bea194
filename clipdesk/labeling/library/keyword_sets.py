"""A photo's keywords in the three places photo software reads them, and the pure merge rule: clipdesk
replaces only what it added itself (recorded in its own XMP namespace), never a keyword of anyone else."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

DEFAULT_PARENT = "clipdesk"  # lr:hierarchicalSubject entries are ``clipdesk|<label>`` unless chosen
IPTC_KEYWORD_BYTES = 64  # IPTC IIM 2:25 holds at most 64 bytes; longer labels stay XMP-only
NAMESPACE = "https://github.com/clipdesk/clipdesk/ns/keywords/1.0/"  # as in exiftool_clipdesk.config


@dataclass(frozen=True)
class Keywords:
    """``subject``: XMP dc:subject; ``hierarchy``: XMP lr:hierarchicalSubject; ``iptc``: IPTC Keywords;
    the ``added_*`` lists: which of those clipdesk put there (its namespace in the same XMP)."""

    subject: tuple[str, ...] = ()
    hierarchy: tuple[str, ...] = ()
    iptc: tuple[str, ...] = ()
    added_subjects: tuple[str, ...] = ()
    added_hierarchy: tuple[str, ...] = ()
    added_keywords: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, list[str]]:
        return {name: list(getattr(self, name)) for name in FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Sequence[str]]) -> Keywords:
        return cls(**{name: tuple(str(v) for v in data.get(name, ())) for name in FIELDS})


FIELDS = ("subject", "hierarchy", "iptc", "added_subjects", "added_hierarchy", "added_keywords")


@dataclass(frozen=True)
class KeywordPlan:
    """What a write changes: ``before`` and ``after`` states and the flat labels added and removed."""

    before: Keywords
    after: Keywords
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    skipped_iptc: tuple[str, ...] = field(default=())  # labels too long for IPTC (kept in XMP)

    @property
    def changes(self) -> bool:
        return self.before != self.after


def hierarchical(label: str, parent: str = DEFAULT_PARENT) -> str:
    parent = parent.strip().strip("|")
    return f"{parent}|{label}" if parent else label


def merge(current: Keywords, labels: Sequence[str], parent: str = DEFAULT_PARENT,
          with_iptc: bool = True) -> KeywordPlan:
    """``current`` with clipdesk's previous keywords replaced by ``labels`` (may be empty: a photo that
    keeps no label loses only clipdesk's old ones). A label already there from someone else is left as
    theirs (not recorded as added, so a later run never removes it)."""
    subject = _without(current.subject, current.added_subjects)
    hierarchy = _without(current.hierarchy, current.added_hierarchy)
    iptc = _without(current.iptc, current.added_keywords)
    added_subjects, subject = _adding(subject, labels)
    added_hierarchy, hierarchy = _adding(hierarchy, [hierarchical(label, parent) for label in labels])
    fits = [label for label in labels if len(label.encode("utf-8")) <= IPTC_KEYWORD_BYTES]
    if with_iptc:
        added_keywords, iptc = _adding(iptc, fits)
    else:
        added_keywords, iptc = (), current.iptc  # a format without IPTC keeps whatever it has
    after = Keywords(subject, hierarchy, iptc, added_subjects, added_hierarchy, added_keywords)
    before_flat = set(current.subject) | set(current.iptc)
    after_flat = set(subject) | set(iptc)
    return KeywordPlan(
        before=current, after=after,
        added=tuple(label for label in _unique(labels) if label not in before_flat),
        removed=tuple(k for k in _unique((*current.subject, *current.iptc)) if k not in after_flat),
        skipped_iptc=tuple(label for label in labels if label not in fits) if with_iptc else ())


def reverted(current: Keywords, before: Keywords, after: Keywords) -> Keywords:
    """``current`` with one logged change (``before`` → ``after``) taken back: what it added is removed
    and what it removed is put back, so edits made since by someone else survive an undo."""
    values = {}
    for name in FIELDS:
        was, became, now = getattr(before, name), getattr(after, name), getattr(current, name)
        removed_by_change = [k for k in was if k not in became]
        added_by_change = set(became) - set(was)
        kept = [k for k in now if k not in added_by_change]
        values[name] = (*kept, *(k for k in removed_by_change if k not in kept))
    return Keywords(**values)


def _without(values: Iterable[str], drop: Iterable[str]) -> tuple[str, ...]:
    dropped = set(drop)
    return tuple(v for v in values if v not in dropped)


def _adding(values: tuple[str, ...], new: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the new values not yet in ``values``, ``values`` with them appended)."""
    added = tuple(v for v in _unique(new) if v not in values)
    return added, (*values, *added)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))

