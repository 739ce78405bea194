"""``clipdesk classify IMAGE…``: print the ranked labels of a few photos, as a table or as JSON.

The table is OpenAI's README format, one block per photo::

    photos/flag.jpg
               China: 72.51%
              Taiwan: 20.12%

Exit codes: 0 every photo labelled; 1 some could not be read (the reason is printed in its block);
2 usage error, found before any work; 130 stopped with Ctrl-C (143 with SIGTERM), after printing the
photos already done.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import unicodedata
from pathlib import Path

from clipdesk.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, writes_unicode
from clipdesk.cli.labeling_args import (
    EXIT_INTERRUPTED,
    UsageError,
    add_label_arguments,
    add_model_arguments,
    choose_labels,
    encode_labels,
    fit_to_model,
    load_classifier,
    positive_int,
    say,
    say_warnings,
    stop_on_interrupt,
)

DEFAULT_TOP = 5
LABEL_WIDTH = 16  # OpenAI's README prints f"{label:>16s}: {100 * p:.2f}%"
MAX_LABEL_WIDTH = 40  # a 300-word label would push every percentage off the screen


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "classify", help="print the most probable labels for each photo",
        description="Rank the labels for each photo and print them, most probable first.",
        epilog="exit codes: 0 all labelled, 1 some photos could not be read, 2 usage error, "
               "130 stopped by Ctrl-C")
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="photo files")
    add_label_arguments(parser)
    add_model_arguments(parser)
    parser.add_argument("--top", type=positive_int, metavar="K",
                        help=f"show only the K most probable labels (default: {DEFAULT_TOP} in the table; in "
                             "JSON every label, or the few most probable of a huge list, as `label` writes)")
    parser.add_argument("--json", action="store_true",
                        help="print JSON (the same document `clipdesk label --out x.json` writes)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except BrokenPipeError:  # `clipdesk classify … | head`: the reader left; that is not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush does not complain
        return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    try:
        choice = choose_labels(args)
        classifier = load_classifier(args)
        choice = fit_to_model(choice, classifier)
    except UsageError as error:
        say(f"error: {error}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        say("cancelled")
        return EXIT_INTERRUPTED
    from clipdesk.labeling.labels import kept_per_photo

    say_warnings(choice.warnings)
    keep = kept_per_photo(len(choice.labels), args.top) if args.json else min(args.top or DEFAULT_TOP,
                                                                               len(choice.labels))
    cache_warnings = len(classifier.image_cache.warnings) if classifier.image_cache is not None else 0
    predictions = []
    with stop_on_interrupt() as stop:
        try:
            with stop.abortable():
                if not encode_labels(classifier, choice, stop):
                    say(f"stopped by {stop.reason} while the labels were encoded; no photo was labelled")
                    return stop.exit_code
                for batch in classifier.iter_batches(args.images, choice.labels, choice.templates, stop.is_set,
                                                     keep):
                    predictions += batch
                    if not args.json:
                        for prediction in batch:
                            print(format_prediction(prediction, args.top or DEFAULT_TOP), flush=True)
        except KeyboardInterrupt:  # a second Ctrl-C: the batch in flight is dropped, the rest is shown
            pass
        if args.json:
            from clipdesk.labeling.export import json_document

            not_reached = [str(path) for path in args.images[len(predictions):]]
            document = json_document(predictions, choice.labels, choice.templates, classifier.model_name, keep,
                                     not_reached)
            # \u escapes where the console's code page cannot show a label: still the same JSON
            json.dump(document, sys.stdout, ensure_ascii=not writes_unicode(sys.stdout), indent=2)
            sys.stdout.write("\n")
            sys.stdout.flush()
    for warning in classifier.image_cache.warnings[cache_warnings:] if classifier.image_cache else ():
        say(f"warning: {warning}")
    failed = sum(1 for p in predictions if p.error is not None)
    if len(predictions) < len(args.images):
        say(f"stopped by {stop.reason} after {len(predictions)} of {len(args.images)} photos")
        return stop.exit_code
    if failed:
        say(f"{failed} of {len(predictions)} photo{'s' * (len(predictions) != 1)} could not be labelled")
        return EXIT_SOME_FAILED
    return EXIT_OK


def format_prediction(prediction, top: int) -> str:
    """The photo's path, then one right-aligned ``label: 12.34%`` line per label, most probable first.
    Alignment counts terminal columns (a Chinese character takes two); a label wider than
    ``MAX_LABEL_WIDTH`` columns is shortened with "…" here only (JSON and exports keep it whole)."""
    from clipdesk.labeling.export import printable_path

    lines = [printable_path(prediction.path)]
    if prediction.error is not None:
        lines.append(f"  error: {prediction.error}")
    else:
        shown = [(_shorten(score.label), score.probability) for score in prediction.scores[:top]]
        width = max([LABEL_WIDTH, *(_columns(label) for label, _ in shown)])
        lines += [f"{' ' * (width - _columns(label))}{label}: {100 * probability:.2f}%"
                  for label, probability in shown]
    return "\n".join(lines) + "\n"


def _columns(text: str) -> int:
    """Terminal columns ``text`` takes: wide (CJK, emoji) characters two, combining marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def _shorten(label: str) -> str:
    if _columns(label) <= MAX_LABEL_WIDTH:
        return label
    kept, used = [], 0
    for character in label:
        used += _columns(character)
        if used > MAX_LABEL_WIDTH - 1:  # one column left for the ellipsis
            break
        kept.append(character)
    return "".join(kept).rstrip() + "…"
