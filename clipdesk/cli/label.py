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
from clipdesk.cli.labeling_args import (
    EXIT_INTERRUPTED,
    LabelChoice,
    UsageError,
    add_label_arguments,
    add_model_arguments,
    check_output,
    choose_labels,
    encode_labels,
    fit_to_model,
    load_classifier,
    positive_int,
    say,
    say_warnings,
    stop_on_interrupt,
    top_choice,
)
from clipdesk.cli.library_args import (
    add_keep_argument,
    add_log_arguments,
    check_log,
    chosen_rule,
    kept_items,
    say_keyword_run,
)
from clipdesk.defaults import DEFAULT_BATCH_SIZE, DEFAULT_ROWS_PER_PART
from clipdesk.labeling.labels import ALL_SCORES_MAX_LABELS, kept_per_photo
from clipdesk.labeling.library.keyword_sets import DEFAULT_PARENT
from clipdesk.labeling.library.keyword_writer import MODES

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
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="photos and folders; with --on ray also .txt files listing photos, and URIs "
                             "pyarrow reads (s3://…, gs://…)")
    add_label_arguments(parser)
    parser.add_argument("--out", type=Path, metavar="FILE.csv|FILE.json|DIR.parquet",
                        help="where to write the results (CSV or JSON, by the file name; a Parquet folder "
                             "with --on ray); needed unless --write-keywords is given")
    parser.add_argument("--recursive", "-r", action="store_true", help="also label photos in sub-folders")
    parser.add_argument("--top", type=top_choice, metavar="K|all",
                        help=f"keep only the K most probable labels per photo ('all': every label; default: "
                             f"every label up to {ALL_SCORES_MAX_LABELS:,} labels, else the "
                             f"{kept_per_photo(ALL_SCORES_MAX_LABELS + 1)} most probable)")
    add_keep_argument(parser)
    parser.add_argument("--write-keywords", choices=MODES, metavar="embedded|sidecar",
                        help="write the kept labels as keywords: into each photo (JPEG, PNG, TIFF, WebP; other "
                             "formats and read-only photos get a sidecar) or into PHOTO.xmp sidecars; "
                             "keywords of others are kept, clipdesk's own from an earlier run are replaced")
    parser.add_argument("--keyword-parent", default=DEFAULT_PARENT, metavar="PARENT",
                        help=f"parent of the hierarchical keywords, PARENT|label (default {DEFAULT_PARENT!r}; "
                             "'' for none)")
    parser.add_argument("--keep-mtime", action="store_true",
                        help="keep each photo's modification time when writing its keywords")
    add_log_arguments(parser)
    add_model_arguments(parser)
    parser.add_argument("--batch-size", type=positive_int, default=DEFAULT_BATCH_SIZE, metavar="N",
                        help=f"photos per model call (default {DEFAULT_BATCH_SIZE}; smaller uses less memory)")
    cluster = parser.add_argument_group(
        "on a Ray cluster", "label archives too big for one machine (needs pip install 'clipdesk[cluster]'); "
                            "a rerun skips the photos already in --out DIR.parquet")
    cluster.add_argument("--on", choices=("local", "ray"), default="local",
                         help="where to run: this process (default), or Ray actors each holding one model "
                              "(a GPU each where the cluster has them)")
    cluster.add_argument("--ray-address", metavar="ADDR",
                         help="an existing Ray cluster (e.g. ray://head:10001 or auto); default: start a "
                              "local Ray on this machine, bound to 127.0.0.1")
    cluster.add_argument("--actors", type=positive_int, metavar="N",
                         help="how many model-holding actors (default: one per GPU, else one per 4 CPUs)")
    cluster.add_argument("--embeddings", action="store_true",
                         help="also write each photo's embedding, for `clipdesk cache import`")
    cluster.add_argument("--rows-per-part", type=positive_int, default=DEFAULT_ROWS_PER_PART, metavar="N",
                         help=f"rows per Parquet part file (default {DEFAULT_ROWS_PER_PART}, or whatever is done "
                              "every 30 s); a job killed outright loses at most the rows not yet in a part")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.on == "ray":
        from clipdesk.cli.label_ray import run as run_on_ray

        return run_on_ray(args)
    try:
        if args.ray_address or args.actors or args.embeddings or args.rows_per_part != DEFAULT_ROWS_PER_PART:
            raise UsageError("--ray-address, --actors, --embeddings and --rows-per-part are for --on ray")
        if args.out is not None and args.out.suffix.lower() == ".parquet":
            raise UsageError(f"--out {args.out}: Parquet output is written by --on ray; use .csv or .json here")
        if args.out is None and args.write_keywords is None:
            raise UsageError("say where the labels go: --out FILE.csv|FILE.json, --write-keywords, or both")
        if args.dry_run and args.write_keywords is None:
            raise UsageError("--dry-run shows what --write-keywords would change; give --write-keywords too")
        if args.write_keywords == "embedded":
            _check_exiftool()
        choice = choose_labels(args)
        if args.out is not None:
            check_output(args.out)
        check_log(args.log)
        files, unreadable = find_photos([Path(p) for p in args.paths], args.recursive, args.out)
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
    keep = kept_per_photo(len(choice.labels), args.top)
    if keep is not None and uses_rule(args, choice):
        keep = max(keep, rule.scores_needed(len(choice.labels)))  # the rule must see every label it may keep
    say(f"labelling {len(files)} photo{'s' * (len(files) != 1)} with {len(choice.labels):,} labels, "
        f"model {classifier.model_name} on {classifier.device_description}")
    if keep is not None and args.top is None:
        say(f"keeping the {keep} most probable of the {len(choice.labels):,} labels for each photo "
            "(--top K to choose, --top all for every label)")
    kept: list[tuple[str, tuple[str, ...]]] = []
    code = label_photos(args, classifier, files, unreadable, choice, keep, kept, rule)
    if args.write_keywords is None or code not in (EXIT_OK, EXIT_SOME_FAILED):
        return code
    keywords_failed = _write_keywords(args, kept)
    return EXIT_SOME_FAILED if keywords_failed and code == EXIT_OK else (keywords_failed or code)


def _check_exiftool() -> None:
    from clipdesk.labeling.library.exiftool import INSTALL_HINT, find_exiftool

    if find_exiftool() is None:
        raise UsageError(f"ExifTool was not found, and it writes the keywords into photos: {INSTALL_HINT} "
                         "(or use --write-keywords sidecar, which needs no ExifTool)")


def _write_keywords(args: argparse.Namespace, kept: list[tuple[str, tuple[str, ...]]]) -> int:
    """Write the kept labels as keywords; EXIT_SOME_FAILED when a photo failed, EXIT_USAGE without ExifTool."""
    from clipdesk.cli.progress import ProgressBar
    from clipdesk.labeling.library.exiftool import MetadataToolError
    from clipdesk.labeling.library.keyword_writer import FAILED, KeywordOptions, write_keywords

    options = KeywordOptions(args.write_keywords, args.keyword_parent, args.keep_mtime, args.dry_run)
    verb = "checking" if args.dry_run else "writing"
    say(f"{verb} keywords for {len(kept)} photo{'s' * (len(kept) != 1)} ({args.write_keywords})")
    with stop_on_interrupt() as stop, ProgressBar("Keywords", unit="photos") as bar:
        try:
            run = write_keywords(kept, options, args.log, lambda done, _: bar.update(done, len(kept)), stop.is_set)
        except MetadataToolError as error:
            say(f"error: {error}")
            return EXIT_USAGE
        except OSError as error:
            say(f"error: could not start the change log: {error}")
            return EXIT_WRITE_FAILED
    say_keyword_run(run)
    if run.cancelled:
        return stop.exit_code
    return EXIT_SOME_FAILED if run.counts.get(FAILED) else EXIT_OK


def find_photos(paths: list[Path], recursive: bool, out: Path | None) -> tuple[list[Path], list[Prediction]]:
    """The photos to label, and a failed result for each folder that could not be read."""
    from clipdesk.labeling.batch import find_files

    files, unreadable = find_files(paths, recursive)
    if out is not None and out.exists():  # `clipdesk label * --out results.csv` run twice: the old results are no photo
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


def label_photos(args: argparse.Namespace, classifier, files: list[Path], unreadable: list[Prediction],
           choice: LabelChoice, keep: int | None, kept: list[tuple[str, tuple[str, ...]]], rule) -> int:
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
            shown_rule = rule if uses_rule(args, choice) else None
            results = (ResultsFile(args.out, choice.labels, choice.templates, classifier.model_name, keep, shown_rule)
                       if args.out is not None else NoResultsFile())
        except OSError as error:
            return _write_failed(args.out, error)
        with results:
            bar = ProgressBar("Labelling", unit="photos")
            try:
                results.add(unreadable)  # unreadable folders are failures too, listed first

                def write(batch: list[Prediction]) -> None:
                    with stop.shielded():  # a second Ctrl-C never cuts a row in half
                        results.add(batch)
                    kept.extend(kept_items(batch, rule))

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
        f"({rate:.1f} photos/s){stopped}" + (f"; results in {args.out}" if args.out is not None else ""))
    if summary.cancelled:
        return stop.exit_code
    return EXIT_SOME_FAILED if failures else EXIT_OK


def uses_rule(args: argparse.Namespace, choice: LabelChoice) -> bool:
    """A keep rule was asked for (``--keep``, a label set's, or keywords to write): results show it."""
    return args.keep is not None or choice.keep is not None or args.write_keywords is not None


class NoResultsFile:
    """Stands in for the results file when only keywords are asked for."""

    def add(self, predictions: object) -> None:
        pass

    def finish(self, not_labelled: object = ()) -> None:
        pass

    def __enter__(self) -> NoResultsFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass


def _write_failed(out: Path, error: OSError) -> int:
    kept = " (the existing file is unchanged: it is not this run's results)" if out.exists() else ""
    say(f"error: could not write {out}: {error.strerror or error}{kept}")
    return EXIT_WRITE_FAILED
