"""Which of a photo's ranked labels it *gets* (as keywords, as folders): softmax always crowns a winner,
even when no label fits, so the user chooses a rule — the top N, or every label at least P likely, or
both — and a photo whose labels all miss the rule gets none ("none of these", the ``unsorted`` group).

One rule for the CLI (``--keep top:1|top:N|min:P|top:N,min:P``), the window and the API; it is saved with
the label set as its text form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from clipdesk.labeling.predictions import Prediction

UNSORTED = "unsorted"  # the folder of photos that keep no label


@dataclass(frozen=True)
class KeepRule:
    """``top``: at most this many labels, most probable first (None: no limit); ``min_probability``:
    only labels at least this probable (0..1; None: no floor). Ties at the cut keep the order in which
    the ranking lists them (the label list's order), so a rule always keeps at most ``top`` labels."""

    top: int | None = 1
    min_probability: float | None = None

    def __post_init__(self) -> None:
        if self.top is None and self.min_probability is None:
            raise ValueError("a keep rule needs top:N, min:P or both")
        if self.top is not None and (not isinstance(self.top, int) or self.top < 1):
            raise ValueError(f"top:N needs a whole number N of at least 1, not {self.top!r}")
        p = self.min_probability
        if p is not None and not (isinstance(p, (int, float)) and math.isfinite(p) and 0.0 <= p <= 1.0):
            raise ValueError(f"min:P needs a probability P from 0 to 1, not {p!r}")

    def kept(self, prediction: Prediction) -> tuple[str, ...]:
        """The labels ``prediction`` keeps, most probable first; () for a failed photo or when none
        reaches ``min_probability``."""
        scores = prediction.scores if prediction.error is None else ()
        if self.min_probability is not None:
            scores = tuple(s for s in scores if s.probability >= self.min_probability)
        if self.top is not None:
            scores = scores[:self.top]
        return tuple(s.label for s in scores)

    def scores_needed(self, label_count: int) -> int:
        """How many ranked labels a result must hold for :meth:`kept` to see every label it may keep:
        ``top``, or for a floor P > 0 at most 1/P labels (probabilities sum to 1)."""
        bounds = [label_count]
        if self.top is not None:
            bounds.append(self.top)
        if self.min_probability:
            bounds.append(int(1.0 / self.min_probability + 1e-9))
        return max(1, min(bounds))

    @property
    def text(self) -> str:
        """The rule as the CLI writes it; :func:`parse_keep_rule` reads it back."""
        parts = [] if self.top is None else [f"top:{self.top}"]
        if self.min_probability is not None:
            parts.append(f"min:{self.min_probability:g}")
        return ",".join(parts)


DEFAULT_KEEP_RULE = KeepRule()


def parse_keep_rule(text: str) -> KeepRule:
    """``top:N``, ``min:P`` (P as 0.3 or 30%), or both joined by a comma; ValueError with the reason."""
    top: int | None = None
    floor: float | None = None
    parts = [part.strip() for part in text.strip().lower().split(",")]
    if not text.strip() or any(not part for part in parts):
        raise ValueError(f"{text!r} is not a keep rule (use top:N, min:P or top:N,min:P)")
    for part in parts:
        kind, _, value = part.partition(":")
        value = value.strip()
        if kind.strip() == "top" and top is None:
            if not value.isdigit():
                raise ValueError(f"top:N needs a whole number N, not {value!r}")
            top = int(value)
        elif kind.strip() == "min" and floor is None:
            floor = _probability(value)
        else:
            raise ValueError(f"{part!r} is not part of a keep rule (use top:N, min:P or top:N,min:P)")
    if top is not None and floor is not None:
        return KeepRule(top=top, min_probability=floor)
    if top is not None:
        return KeepRule(top=top)
    return KeepRule(top=None, min_probability=floor)


def _probability(value: str) -> float:
    percent = value.endswith("%")
    try:
        number = float(value[:-1] if percent else value)
    except ValueError:
        raise ValueError(f"min:P needs a probability such as 0.3 or 30%, not {value!r}") from None
    number = number / 100.0 if percent else number
    if not (math.isfinite(number) and 0.0 <= number <= 1.0):
        raise ValueError(f"min:P needs a probability from 0 to 1 (0% to 100%), not {value!r}")
    return number
