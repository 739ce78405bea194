"""``clipdesk sort PHOTO… --labels … --into DIR``: copy (or ``--move``) every photo into a folder per
label it keeps (``DIR/<label>/``; ``DIR/unsorted/`` for none), never overwriting, sidecars with their
photo, every placement logged for ``clipdesk keywords undo``.

Exit codes: 0 every photo placed; 1 some photos failed (listed; they were left where they were);
2 usage error; 130/143/129 stopped by a signal (the photos placed so far are logged).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from clipdesk.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_WRITE_FAILED
from clipdesk.cli.label import find_photos, label_photos
from clipdesk.cli.labeling_args import (
    EXIT_INTERRUPTED,
    UsageError,
    add_label_arguments,
    add_model_arguments,
    choose_labels,
    fit_to_model,
    load_classifier,
    positive_int,
    say,
    say_warnings,
    stop_on_interrupt,
)
from clipdesk.cli.library_args import add_keep_argument, add_log_arguments, check_log, chosen_rule, say_sort_run
from clipdesk.defaults import DEFAULT_BATCH_SIZE


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sort", help="copy or move photos into a folder per label",
        description="Label the photos, then copy (default) or move each into DIR/<label>/ for every label it "
                    "keeps (DIR/unsorted/ for none). Nothing is ever overwritten: a taken name becomes "
                    "'IMG_0001 (2).jpg'. Sidecars (photo.jpg.xmp, photo.xmp) go with their photo. Every "
                    "change is logged; `clipdesk keywords undo LOG` takes it back.",
        epilog="exit codes: 0 all placed, 1 some photos failed (left where they were), 2 usage error, "
               "130 stopped by Ctrl-C (143 SIGTERM, 129 SIGHUP)")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PHOTO", help="photos and folders")
    add_label_arguments(parser)
    parser.add_argument("--into", required=True, type=Path, metavar="DIR", help="where the label folders go")
    parser.add_argument("--move", action="store_true", help="move the photos instead of copying them")
    parser.add_argument("--recursive", "-r", action="store_true", help="also sort photos in sub-folders")
    add_keep_argument(parser)
    add_log_arguments(parser)
    add_model_arguments(parser)
    parser.add_argument("--batch-size", type=positive_int, default=DEFAULT_BATCH_SIZE, metavar="N",
                        help=f"photos per model call (default {DEFAULT_BATCH_SIZE}; smaller uses less memory)")
    parser.set_defaults(func=run, out=None, write_keywords=None, top=None)


def run(args: argparse.Namespace) -> int:
    try:
        choice = choose_labels(args)
        check_log(args.log)
        if args.into.exists() and not args.into.is_dir():
            raise UsageError(f"--into {args.into} is a file, not a folder")
        files, unreadable = find_photos(args.paths, args.recursive, None)
        into = Path(os.path.realpath(args.into))
        files = [f for f in files if not _inside(f, into)]  # photos sorted before are not sorted again
        if not files:
            raise UsageError(f"no photos to sort outside {args.into}")
        classifier = load_classifier(args, batch_size=args.batch_size)
        choice = fit_to_model(choice, classifier)
    except UsageError as error:
        say(f"error: {error}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        say("cancelled before any photo was labelled")
        return EXIT_INTERRUPTED
    say_warnings(choice.warnings)
    rule = chosen_rule(args, choice.keep)
    say(f"sorting {len(files)} photo{'s' * (len(files) != 1)} by {len(choice.labels):,} labels (keeping "
        f"{rule.text}), model {classifier.model_name} on {classifier.device_description}")
    kept: list[tuple[str, tuple[str, ...]]] = []
    keep = max(1, rule.scores_needed(len(choice.labels)))
    code = label_photos(args, classifier, files, unreadable, choice, keep, kept, rule)
    if code not in (EXIT_OK, EXIT_SOME_FAILED):
        return code
    return _sort(args, kept) or code


def _sort(args: argparse.Namespace, kept: list[tuple[str, tuple[str, ...]]]) -> int:
    from clipdesk.cli.progress import ProgressBar
    from clipdesk.labeling.library.folder_sort import FAILED, SortOptions, sort_into_folders

    options = SortOptions(into=args.into, move=args.move, dry_run=args.dry_run)
    with stop_on_interrupt() as stop, ProgressBar("Sorting", unit="photos") as bar:
        try:
            run = sort_into_folders(kept, options, args.log, lambda done, _: bar.update(done, len(kept)),
                                    stop.is_set)
        except OSError as error:
            say(f"error: could not start the change log: {error}")
            return EXIT_WRITE_FAILED  # as label's: a file of ours could not be written, nothing was sorted
    say_sort_run(run)
    if run.cancelled:
        return stop.exit_code
    return EXIT_SOME_FAILED if run.counts.get(FAILED) else EXIT_OK


def _inside(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(folder)
        return True
    except ValueError:
        return False
