"""``clipdesk search PHOTO… --text "…" | --like PHOTO``: the photos most like some words (in the model's
language: Chinese with a Chinese-CLIP model) or like another photo, best first — from the same
embedding cache the labelling fills, so photos labelled before are not encoded again.

``--json`` prints ``{"model", "query", "results": [{"path", "score"}, …]}``, best first; the score is
the cosine similarity of the normalised embeddings. Exit codes: 0 done; 1 done, but some photos could
not be read (listed on stderr, left out); 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from clipdesk.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, writes_unicode
from clipdesk.cli.label import find_photos
from clipdesk.cli.labeling_args import (
    EXIT_INTERRUPTED,
    UsageError,
    add_model_arguments,
    load_classifier,
    positive_int,
    say,
)
from clipdesk.labeling.export import printable_path

MAX_LISTED_FAILURES = 20


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "search", help="find photos by words or by another photo",
        description="Order photos by how well they match some words (--text) or another photo (--like), "
                    "best first, with the cosine similarity of their embeddings.")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PHOTO", help="photos and folders to search")
    query = parser.add_mutually_exclusive_group(required=True)
    query.add_argument("--text", metavar='"WORDS"', help="what to look for, e.g. \"red envelope\" or 红包")
    query.add_argument("--like", type=Path, metavar="PHOTO", help="photos that look like this one")
    parser.add_argument("--top", type=positive_int, metavar="N", help="only the N best (default: every photo)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of lines")
    parser.add_argument("--recursive", "-r", action="store_true", help="also search sub-folders")
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        if args.text is not None and not args.text.strip():
            raise UsageError("--text is empty: say what to look for")
        if args.like is not None and not args.like.is_file():
            raise UsageError(f"--like {args.like}: no such photo")
        files, unreadable = find_photos(args.paths, args.recursive, None)
        classifier = load_classifier(args)
    except UsageError as error:
        say(f"error: {error}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        say("cancelled")
        return EXIT_INTERRUPTED
    try:
        return _search(args, classifier, files, unreadable)
    except KeyboardInterrupt:
        say("cancelled")
        return EXIT_INTERRUPTED


def _search(args: argparse.Namespace, classifier, files: list[Path], unreadable) -> int:
    from clipdesk.labeling.similarity import rank_by_similarity

    if args.text is not None:
        text = args.text.strip()
        for warning in classifier.check_labels([text], ("{}",)).warnings:
            say(f"warning: {warning}")
        query = classifier.text_features([text], ("{}",))[0].cpu()
        shown_query = text
    else:
        feature = classifier.image_features([args.like])[0]
        if isinstance(feature, str):
            say(f"error: --like {args.like}: {feature}")
            return EXIT_USAGE
        query = feature
        shown_query = printable_path(str(args.like))
    embeddings, paths, failures = embeddings_of(classifier, files)
    failures = [(p.path, p.error) for p in unreadable] + failures
    matches = rank_by_similarity(query, embeddings, paths, args.top) if paths else []
    if args.json:
        document = {"model": printable_path(classifier.model_name), "query": shown_query,
                    "results": [{"path": printable_path(m.path), "score": round(m.score, 6)} for m in matches]}
        print(json.dumps(document, ensure_ascii=not writes_unicode(sys.stdout), indent=2))
    else:
        for match in matches:
            print(f"{match.score:.4f}  {printable_path(match.path)}")
    for path, error in failures[:MAX_LISTED_FAILURES]:
        say(f"{path}: {error}")
    if len(failures) > MAX_LISTED_FAILURES:
        say(f"… and {len(failures) - MAX_LISTED_FAILURES} more photos that could not be read")
    return EXIT_SOME_FAILED if failures else EXIT_OK


def embeddings_of(classifier, files: list[Path]):
    """(embeddings of the photos that could be read, their paths, (path, reason) of the others) —
    through the classifier's image cache."""
    import torch

    features = classifier.image_features(files)
    good = [(str(path), feature) for path, feature in zip(files, features) if not isinstance(feature, str)]
    failures = [(str(path), feature) for path, feature in zip(files, features) if isinstance(feature, str)]
    if not good:
        return torch.empty(0, 1), [], failures
    return torch.stack([feature.float() for _, feature in good]), [path for path, _ in good], failures
