"""What labeling produces: immutable results the CLI, the exports and the window all consume."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabelScore:
    """One label and the probability the model gives it for one image (0..1, all labels sum to 1)."""

    label: str
    probability: float


@dataclass(frozen=True)
class Prediction:
    """The ranked labels for one image, or the reason it could not be labelled.

    ``scores`` is sorted by probability, highest first (ties keep label order); it is empty when
    ``error`` is set, so a failed file can never be mistaken for a labelled one.
    """

    path: str
    scores: tuple[LabelScore, ...] = ()
    error: str | None = None

    @property
    def top(self) -> LabelScore | None:
        """The most probable label, or None for a failed file."""
        return self.scores[0] if self.scores else None

    @property
    def ok(self) -> bool:
        return self.error is None

    def probability_of(self, label: str) -> float | None:
        """The probability of ``label``, or None if it was not ranked (failed file, unknown label)."""
        for score in self.scores:
            if score.label == label:
                return score.probability
        return None

    @classmethod
    def failed(cls, path: str, reason: str) -> Prediction:
        return cls(path=path, scores=(), error=reason)
