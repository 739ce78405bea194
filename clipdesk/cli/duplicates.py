"""``clipdesk duplicates PHOTO… [--min-similarity S]``: groups of photos that look the same (bursts,
re-saved copies, small crops), from the same embeddings and cache as labelling and search.

Exit codes: 0 done (groups or none); 1 done, but some photos could not be read; 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from clipdesk.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, writes_unicode
from clipdesk.cli.label import find_photos
from clipdesk.cli.labeling_args import EXIT_INTERRUPTED, UsageError, add_model_arguments, load_classifier, say
from clipdesk.defaults import DEFAULT_MIN_SIMILARITY
from clipdesk.labeling.export import printable_path


def similarity(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from -1 to 1") from None
    if not -1.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a similarity from -1 to 1")
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "duplicates", help="find photos that look the same",
        description="Group photos whose embeddings are at least --min-similarity alike (cosine similarity; "
                    "a chain of alike photos is one group). Nothing is deleted or moved.")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PHOTO", help="photos and folders")
    parser.add_argument("--min-similarity", type=similarity, default=DEFAULT_MIN_SIMILARITY, metavar="S",
                        help=f"how alike two photos must be, -1 to 1 (default {DEFAULT_MIN_SIMILARITY})")
    parser.add_argument("--json", action="store_true", help="print JSON instead of lines")
    parser.add_argument("--recursive", "-r", action="store_true", help="also look in sub-folders")
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from clipdesk.cli.search import embeddings_of
    from clipdesk.labeling.similarity import near_duplicate_groups

    try:
        files, unreadable = find_photos(args.paths, args.recursive, None)
        classifier = load_classifier(args)
        embeddings, paths, failures = embeddings_of(classifier, files)
    except UsageError as error:
        say(f"error: {error}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        say("cancelled")
        return EXIT_INTERRUPTED
    failures = [(p.path, p.error) for p in unreadable] + failures
    groups = near_duplicate_groups(embeddings, paths, args.min_similarity) if paths else []
    if args.json:
        document = {"model": printable_path(classifier.model_name), "min_similarity": args.min_similarity,
                    "groups": [[{"path": printable_path(m.path), "score": round(m.score, 6)} for m in group]
                               for group in groups]}
        print(json.dumps(document, ensure_ascii=not writes_unicode(sys.stdout), indent=2))
    else:
        for number, group in enumerate(groups, 1):
            print(f"group {number}:")
            for match in group:
                print(f"  {match.score:.4f}  {printable_path(match.path)}")
    say(f"{len(groups)} group{'s' * (len(groups) != 1)} of near-duplicates among {len(paths)} photos "
        f"(similarity ≥ {args.min_similarity:g})")
    for path, error in failures[:20]:
        say(f"{path}: {error}")
    return EXIT_SOME_FAILED if failures else EXIT_OK
