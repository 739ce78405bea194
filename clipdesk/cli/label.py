"""``clipdesk label PATH… --out FILE.csv|FILE.json``: label whole folders, with a progress bar.

Exit codes: 0 every file labelled; 1 finished but some files failed (they are in the results file
with their reason); 2 usage error, found before any work (no labels, unknown model, output not
writable…); 3 the results file could not be written (an existing one is left as it was, so it is
*not* this run's); 130 stopped with Ctrl-C, 143 with SIGTERM, 129 with SIGHUP (what was done is
written, even after a second Ctrl-C that drops the batch in flight).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from clipdesk.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_WRITE_FAILED
from clipdesk.cli.labeling_args import (EXIT_INTERRUPTED, UsageError, add_label_arguments,
                                        add_model_arguments, check_output, choose_labels, load_classifier,
                                        positive_int, say, stop_on_interrupt)

if TYPE_CHECKING:
    from clipdesk.labeling import Prediction

MAX_LISTED_FAILURES = 20  # beyond this the results file has the full list


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "label", help="label every photo in files and folders; write CSV or JSON",
        description="Rank the labels for every photo in the given files and folders and write the results "
                    "to a CSV or JSON file. Photos that cannot be read are listed with the reason, and the "
                    "run goes on. Ctrl-C stops after the current batch and writes what is done.",
        epilog="exit codes: 0 all labelled, 1 some files failed, 2 usage error, 3 results could not be written "
               "(an existing results file is unchanged), 130 stopped by Ctrl-C (143 SIGTERM, 129 SIGHUP)")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="photos and folders")
    add_label_arguments(parser)
    parser.add_argument("--out", required=True, type=Path, metavar="FILE.csv|FILE.json",
                        help="where to write the results (CSV or JSON, by the file name)")
    parser.add_argument("--recursive", "-r", action="store_true", help="also label photos in sub-folders")
    add_model_arguments(parser)
    parser.add_argument("--batch-size", type=positive_int, default=32, metavar="N",
                        help="photos per model call (default 32; smaller uses less memory)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        choice = choose_labels(args)
        check_output(args.out)
        files, unreadable = _find_files(args.paths, args.recursive, args.out)
        classifier = load_classifier(args, batch_size=args.batch_size)
    except UsageError as error:
        say(f"error: {error}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        say("cancelled before any photo was labelled")
        return EXIT_INTERRUPTED
    # choice.labels are clean already, so check_labels adds only the 77-token truncation warnings
    for warning in choice.warnings + classifier.check_labels(choice.labels, choice.templates).warnings:
        say(f"warning: {warning}")
    say(f"labelling {len(files)} photo{'s' * (len(files) != 1)} with {len(choice.labels)} labels, "
        f"model {classifier.model_name} on {classifier.device_description}")
    return _label(args, classifier, files, unreadable, choice.labels, choice.templates)


def _find_files(paths: list[Path], recursive: bool, out: Path) -> tuple[list[Path], list[Prediction]]:
    """The photos to label, and a failed result for each folder that could not be read."""
    from clipdesk.labeling.batch import find_files

    files, unreadable = find_files(paths, recursive)
    if out.exists():  # `clipdesk label * --out results.csv` run twice: the old results are no photo
        files = [f for f in files if not _same_file(f, out)]
    if not files and unreadable:
        raise UsageError("; ".join(f"{p.path}: {p.error}" for p in unreadable[:MAX_LISTED_FAILURES]))
    if not files:
        hint = "" if recursive else " (add --recursive to look in sub-folders)"
        raise UsageError(f"no photos found in {', '.join(map(str, paths))}{hint}")
    return files, unreadable


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _label(args: argparse.Namespace, classifier, files: list[Path], unreadable: list[Prediction],
           labels: tuple[str, ...], templates: tuple[str, ...]) -> int:
    from clipdesk.cli.progress import ProgressBar
    from clipdesk.labeling import RunInterrupted, run_batch, write_results
    from clipdesk.labeling.batch import with_unreadable

    cache_warnings = len(classifier.image_cache.warnings) if classifier.image_cache is not None else 0
    bar = ProgressBar("Labelling", unit="photos")
    with stop_on_interrupt() as stop:
        try:
            with stop.abortable():
                result = run_batch(classifier, files, labels, templates, on_progress=bar.update,
                                   should_stop=stop.is_set)
        except RunInterrupted as interrupted:  # a second Ctrl-C: the batch in flight is dropped
            result = interrupted.result
        except KeyboardInterrupt:  # before the first batch began: nothing to write
            say(f"stopped by {stop.reason}; no photo was labelled")
            return stop.exit_code
        finally:
            bar.close()
        for warning in classifier.image_cache.warnings[cache_warnings:] if classifier.image_cache else ():
            say(f"warning: {warning}")
        result = with_unreadable(result, unreadable)  # unreadable folders are failures too
        try:
            write_results(args.out, result.predictions, result.labels, result.templates, result.model)
        except OSError as error:
            kept = " (the existing file is unchanged: it is not this run's results)" if args.out.exists() else ""
            say(f"error: could not write {args.out}: {error.strerror or error}{kept}")
            return EXIT_WRITE_FAILED
    failures = [p for p in result.predictions if p.error is not None]
    for prediction in failures[:MAX_LISTED_FAILURES]:
        say(f"{prediction.path}: {prediction.error}")
    if len(failures) > MAX_LISTED_FAILURES:
        say(f"… and {len(failures) - MAX_LISTED_FAILURES} more failures (see the error column of {args.out})")
    rate = len(result.predictions) / result.seconds if result.seconds > 0 else 0.0
    stopped = (f", stopped by {stop.reason} after {len(result.predictions)} of {result.total}"
               if result.cancelled else "")
    say(f"labelled {result.labelled}, failed {result.failed} in {result.seconds:.1f} s "
        f"({rate:.1f} photos/s){stopped}; results in {args.out}")
    if result.cancelled:
        return stop.exit_code
    return EXIT_SOME_FAILED if failures else EXIT_OK
