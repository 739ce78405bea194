"""Terminal progress for CLI commands: ``ProgressBar(label).update(done, total)`` then ``close()``.

The class lives in ``clipdesk.weights.progress`` (stdlib only) so that ``clip.load`` can show the same
bar while it downloads; CLI code imports it from here.
"""

from clipdesk.weights.progress import ProgressBar

__all__ = ["ProgressBar"]
