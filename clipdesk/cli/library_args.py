"""What ``label`` and ``sort`` share for putting labels into the photo library: the keep rule, the
change log, and the summaries of keyword writes and folder sorts."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from clipdesk.cli.labeling_args import UsageError, say
from clipdesk.labeling.keep_rule import DEFAULT_KEEP_RULE, KeepRule, parse_keep_rule

if TYPE_CHECKING:
    from clipdesk.labeling.library.folder_sort import SortRun
    from clipdesk.labeling.library.keyword_writer import KeywordRun

MAX_LISTED = 20  # per-photo lines beyond this are summarised


def keep_rule(text: str) -> KeepRule:
    try:
        return parse_keep_rule(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_keep_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--keep", type=keep_rule, metavar="top:N|min:P",
                        help="which labels a photo gets: the N most probable (top:1, the default), every "
                             "label at least P probable (min:0.3 or min:30%%), or both (top:3,min:0.2); a "
                             "photo whose labels all miss min:P gets none; a label set's saved rule applies "
                             "when this is not given")


def chosen_rule(args: argparse.Namespace, saved: KeepRule | None) -> KeepRule:
    """--keep, else the rule saved with the label set, else top:1."""
    return args.keep or saved or DEFAULT_KEEP_RULE


def add_log_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    parser.add_argument("--log", type=Path, metavar="FILE.jsonl",
                        help="where to log the changes, for `clipdesk keywords undo` (default: a new file "
                             "in clipdesk's data folder, printed at the end)")


def check_log(path: Path | None) -> None:
    if path is not None and path.exists():
        raise UsageError(f"{path} exists: a change log is never overwritten; choose a new name")


def say_keyword_run(run: KeywordRun) -> None:
    from clipdesk.labeling.library.keyword_writer import FAILED, UNCHANGED

    shown = 0
    for outcome in run.outcomes:
        if outcome.status == UNCHANGED and not outcome.note:
            continue
        if shown < MAX_LISTED:
            say(_keyword_line(outcome))
        shown += 1
    if shown > MAX_LISTED:
        say(f"… and {shown - MAX_LISTED} more")
    counts = ", ".join(f"{status} {count}" for status, count in sorted(run.counts.items())) or "no photos"
    say(f"keywords: {counts}" + (" (stopped)" if run.cancelled else ""))
    if run.log_path is not None:
        say(f"changes logged in {run.log_path}; undo with: clipdesk keywords undo {_quoted(run.log_path)}")
    if run.counts.get(FAILED):
        say("photos that failed were left exactly as they were")


def _keyword_line(outcome) -> str:
    if outcome.error:
        return f"{outcome.photo}: failed: {outcome.error}"
    changes = [*(f"+{k}" for k in outcome.added), *(f"-{k}" for k in outcome.removed)]
    where = "" if outcome.place == "embedded" else f" (sidecar {outcome.file})"
    text = f"{outcome.photo}: {outcome.status}{where}"
    if changes:
        text += ": " + " ".join(changes)
    if outcome.note:
        text += f" [{outcome.note}]"
    return text


def say_sort_run(run: SortRun) -> None:
    from clipdesk.labeling.library.folder_sort import FAILED

    if len(run.outcomes) <= MAX_LISTED:  # a few photos: each one; many: only the failures
        for outcome in run.outcomes:
            say(f"{outcome.photo}: {outcome.status} " + (outcome.error or ", ".join(outcome.destinations)))
    else:
        for outcome in [o for o in run.outcomes if o.status == FAILED][:MAX_LISTED]:
            say(f"{outcome.photo}: failed: {outcome.error}")
    counts = ", ".join(f"{status} {count}" for status, count in sorted(run.counts.items())) or "no photos"
    say(f"sorted: {counts}" + (" (stopped)" if run.cancelled else ""))
    if run.log_path is not None:
        say(f"changes logged in {run.log_path}; undo with: clipdesk keywords undo {_quoted(run.log_path)}")


def kept_items(predictions: Sequence, rule: KeepRule) -> list[tuple[str, tuple[str, ...]]]:
    """(photo, the labels it keeps) for every labelled photo (failed photos are left alone)."""
    return [(p.path, rule.kept(p)) for p in predictions if p.error is None]


def _quoted(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))
