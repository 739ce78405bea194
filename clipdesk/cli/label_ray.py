"""``clipdesk label SOURCES… --on ray --out DIR.parquet``: the same labelling on a Ray cluster.

Run from :mod:`clipdesk.cli.label` when ``--on ray`` is given; Ray and pyarrow are imported only
here, and only then. Exit codes as for a local run: 0 all labelled; 1 some photos failed -- in this
run or, for photos skipped as done, in an earlier one (their rows say why) -- or the Ray job failed
(the parts written are kept; a rerun continues); 2 usage error or no Ray to run on; 3 the output
could not be written; 130/143/129 stopped by a signal.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from clipdesk.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_WRITE_FAILED
from clipdesk.cli.labeling_args import (
    EXIT_INTERRUPTED,
    UsageError,
    check_writable_folder,
    choose_labels,
    fit_to_model,
    load_classifier,
    say,
    say_warnings,
    stop_on_interrupt,
)
from clipdesk.cli.library_args import chosen_rule
from clipdesk.labeling.labels import kept_per_photo

PARQUET_SUFFIX = ".parquet"
LISTED_FAILURES = 20


def run(args: argparse.Namespace) -> int:
    from clipdesk.labeling.cluster import ClusterUnavailable, require_cluster

    try:
        _check_arguments(args)
        require_cluster()
        choice = choose_labels(args)
        sources = _find_sources(args)
        job = _job(args, choice)
    except (UsageError, ClusterUnavailable) as error:
        say(f"error: {error}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        say("cancelled before any photo was labelled")
        return EXIT_INTERRUPTED
    from clipdesk.labeling.cluster.ray_run import ClusterError, check_same_job, cluster_plan, start_ray, stop_ray

    try:
        check_same_job(args.out, job)  # before Ray starts: a wrong --out fails in seconds
        started = start_ray(args.ray_address)
    except ClusterError as error:
        say(f"error: {error}")
        return EXIT_USAGE
    try:
        plan = cluster_plan(args.device, args.actors)
    except ClusterError as error:
        stop_ray(started)
        say(f"error: {error}")
        return EXIT_USAGE
    try:
        return _label(args, job, sources, plan)
    finally:
        stop_ray(started)


def _check_arguments(args: argparse.Namespace) -> None:
    for flag, given in (("--write-keywords", args.write_keywords), ("--dry-run", args.dry_run),
                        ("--log", args.log)):
        if given:
            raise UsageError(f"{flag} is for local runs; a cluster run writes its results to --out DIR.parquet")
    out: Path | None = args.out
    if out is None or out.suffix.lower() != PARQUET_SUFFIX:
        raise UsageError("--on ray writes a Parquet folder: give --out DIR.parquet")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    check_writable_folder(out, out if out.is_dir() else out.parent)


def _find_sources(args: argparse.Namespace):
    from clipdesk.labeling.cluster.sources import find_sources

    sources = find_sources([str(p) for p in args.paths], args.recursive)
    if not sources.photos and not sources.unreadable:
        hint = "" if args.recursive else " (add --recursive to look in sub-folders)"
        raise UsageError(f"no photos found in {', '.join(map(str, args.paths))}{hint}")
    return sources


def _job(args: argparse.Namespace, choice):
    """The job for the actors, checked here first: the model loads (and is downloaded once, on this
    machine) and the labels fit it, so a typo fails in seconds rather than on every actor."""
    from clipdesk.labeling.cluster.labeller import ClusterJob

    checking = argparse.Namespace(**{**vars(args), "no_cache": True, "device": "cpu"})
    classifier = load_classifier(checking, batch_size=args.batch_size)
    choice = fit_to_model(choice, classifier)
    say_warnings(choice.warnings + classifier.check_labels(choice.labels, choice.templates).warnings)
    del classifier
    rule = chosen_rule(args, choice.keep)
    keep = kept_per_photo(len(choice.labels), args.top)
    if keep is not None:
        keep = max(keep, rule.scores_needed(len(choice.labels)))  # the kept column must see every label it may keep
    return ClusterJob(model=os.fspath(args.model), labels=tuple(choice.labels), templates=tuple(choice.templates),
                      keep=keep, rule=rule, precision=args.precision, batch_size=args.batch_size,
                      embeddings=args.embeddings)


def _label(args: argparse.Namespace, job, sources, plan) -> int:
    from dataclasses import replace

    from clipdesk.cli.progress import ProgressBar
    from clipdesk.labeling.cluster.ray_run import run_on_ray

    job = replace(job, threads=plan.threads)
    total = len(sources.photos) + len(sources.unreadable)
    say(f"labelling {total} photo{'s' * (total != 1)} with {len(job.labels):,} labels on Ray "
        f"({plan.describe()}), model {job.model}; results in {args.out}")
    with stop_on_interrupt() as stop:
        bar = ProgressBar("Labelling", unit="photos")
        try:
            with stop.abortable():
                result = run_on_ray(job, sources, args.out, plan, on_progress=bar.update, should_stop=stop.is_set,
                                    rows_per_part=args.rows_per_part)
        except OSError as error:
            say(f"error: could not write {args.out}: {error.strerror or error} (the parts written before are kept)")
            return EXIT_WRITE_FAILED
        except Exception as error:  # noqa: BLE001 - a failed Ray job: say so, keep what was written
            text = str(error).strip().splitlines()
            say(f"error: the Ray job failed: {text[-1] if text else type(error).__name__}; the parts written "
                f"are kept and a rerun continues from them")
            return EXIT_SOME_FAILED
        finally:
            bar.close()
    for warning in result.warnings:
        say(f"warning: {warning}")
    for failure in result.first_failures[:LISTED_FAILURES]:
        say(f"{failure.path}: {failure.error}")
    if result.failed > LISTED_FAILURES:
        say(f"… and {result.failed - LISTED_FAILURES} more failures (see the error column in {args.out})")
    rate = (result.written / result.seconds) if result.seconds > 0 else 0.0
    already = f", {result.skipped} already done" if result.skipped else ""
    if result.failed_before:
        already += f" ({result.failed_before} of them failed then; their rows say why)"
    stopped = f", stopped by {stop.reason} after {result.done} of {result.total}" if result.cancelled else ""
    say(f"labelled {result.written - result.failed}, failed {result.failed}{already} in {result.seconds:.1f} s "
        f"({rate:.1f} photos/s){stopped}; results in {args.out}")
    if result.cancelled:
        return stop.exit_code
    return EXIT_SOME_FAILED if result.failed or result.failed_before else EXIT_OK
