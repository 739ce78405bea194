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
from clipdesk.cli.labeling_args import (EXIT_INTERRUPTED, LabelChoice, UsageError, add_label_arguments,
                                        add_model_arguments, check_output, choose_labels, encode_labels,
                                        fit_to_model, load_classifier, positive_int, say, say_warnings,
                                        stop_on_interrupt, top_choice)
from clipdesk.labeling.labels import ALL_SCORES_MAX_LABELS, kept_per_photo

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
    parser.add_argument("--top", type=top_choice, metavar="K|all",
                        help=f"keep only the K most probable labels per photo ('all': every label; default: "
                             f"every label up to {ALL_SCORES_MAX_LABELS:,} labels, else the "
                             f"{kept_per_photo(ALL_SCORES_MAX_LABELS + 1)} most probable)")
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
        choice = fit_to_model(choice, classifier)
    except UsageError as error:
        say(f"error: {error}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        say("cancelled before any photo was labelled")
        return EXIT_INTERRUPTED
    say_warnings(choice.warnings)
    keep = kept_per_photo(len(choice.labels), args.top)
    say(f"labelling {len(files)} photo{'s' * (len(files) != 1)} with {len(choice.labels):,} labels, "
        f"model {classifier.model_name} on {classifier.device_description}")
    if keep is not None and args.top is None:
        say(f"keeping the {keep} most probable of the {len(choice.labels):,} labels for each photo "
            "(--top K to choose, --top all for every label)")
    return _label(args, classifier, files, unreadable, choice, keep)


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
           choice: LabelChoice, keep: int | None) -> int:
    """Encode the labels, then stream every batch into the results file as it finishes: memory is that
    of one batch whatever the number of photos, and a run killed outright leaves ``FILE.…partial``."""
    from clipdesk.cli.progress import ProgressBar
    from clipdesk.labeling import RunInterrupted
    from clipdesk.labeling.batch import stream_batch
    from clipdesk.labeling.results_file import ResultsFile

    cache_warnings = len(classifier.image_cache.warnings) if classifier.image_cache is not None else 0
    with stop_on_interrupt() as stop:
        try:
            with stop.abortable():
                if not encode_labels(classifier, choice, stop):
                    say(f"stopped by {stop.reason} while the labels were encoded; no photo was labelled")
                    return stop.exit_code
        except KeyboardInterrupt:
            say(f"stopped by {stop.reason} while the labels were encoded; no photo was labelled")
            return stop.exit_code
        try:
            results = ResultsFile(args.out, choice.labels, choice.templates, classifier.model_name, keep)
        except OSError as error:
            return _write_failed(args.out, error)
        with results:
            bar = ProgressBar("Labelling", unit="photos")
            try:
                results.add(unreadable)  # unreadable folders are failures too, listed first

                def write(batch: list[Prediction]) -> None:
                    with stop.shielded():  # a second Ctrl-C never cuts a row in half
                        results.add(batch)

                with stop.abortable():
                    summary = stream_batch(classifier, files, choice.labels, choice.templates, write,
                                           on_progress=bar.update, should_stop=stop.is_set, keep=keep)
            except RunInterrupted as interrupted:  # a second Ctrl-C: the batch in flight is dropped
                summary = interrupted.summary
            except OSError as error:
                return _write_failed(args.out, error)
            finally:
                bar.close()
            for warning in classifier.image_cache.warnings[cache_warnings:] if classifier.image_cache else ():
                say(f"warning: {warning}")
            try:
                results.finish(not_labelled=[str(f) for f in files[summary.done:]])
            except OSError as error:
                return _write_failed(args.out, error)
    failures = (*unreadable, *summary.failures)
    for prediction in failures[:MAX_LISTED_FAILURES]:
        say(f"{prediction.path}: {prediction.error}")
    if len(failures) > MAX_LISTED_FAILURES:
        say(f"… and {len(failures) - MAX_LISTED_FAILURES} more failures (see the error column of {args.out})")
    rate = summary.done / summary.seconds if summary.seconds > 0 else 0.0
    stopped = (f", stopped by {stop.reason} after {summary.done} of {summary.total}"
               if summary.cancelled else "")
    say(f"labelled {summary.labelled}, failed {len(failures)} in {summary.seconds:.1f} s "
        f"({rate:.1f} photos/s){stopped}; results in {args.out}")
    if summary.cancelled:
        return stop.exit_code
    return EXIT_SOME_FAILED if failures else EXIT_OK


def _write_failed(out: Path, error: OSError) -> int:
    kept = " (the existing file is unchanged: it is not this run's results)" if out.exists() else ""
    say(f"error: could not write {out}: {error.strerror or error}{kept}")
    return EXIT_WRITE_FAILED
