"""``clipdesk cache info|clear|path|import``: the on-disk image-embedding cache.

The cache only saves time (photos are not encoded again), so clearing it is always safe.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from clipdesk.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE

EXIT_FAILED = EXIT_SOME_FAILED  # the command ran but could not do what it was asked


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "cache", help="show or clear the image-embedding cache",
        description="Image embeddings are cached per model and per photo content (CLIPDESK_CACHE_DIR "
                    "overrides where), so labelling the same photos again, with any labels, is instant.")
    parser.set_defaults(func=lambda args: parser.print_help() or EXIT_USAGE)
    actions = parser.add_subparsers(dest="cache_command", metavar="ACTION")
    actions.add_parser("info", help="where the cache is, how many photos it holds, its size").set_defaults(
        func=run_info)
    actions.add_parser("clear", help="forget every cached embedding (safe; photos are encoded again)"
                       ).set_defaults(func=run_clear)
    actions.add_parser("path", help="print the cache file's path").set_defaults(func=run_path)
    importing = actions.add_parser(
        "import", help="add the embeddings of a cluster run (clipdesk label --on ray --embeddings)",
        description="Store the embeddings a `clipdesk label --on ray --embeddings` run wrote, so labelling "
                    "those photos here (the window included) encodes none of them. Needs pyarrow "
                    "(pip install 'clipdesk[cluster]').")
    importing.add_argument("folder", type=Path, metavar="DIR.parquet", help="the run's --out folder")
    importing.set_defaults(func=run_import)


def run_info(args: argparse.Namespace) -> int:
    from clipdesk.labeling.embedding_cache import ImageEmbeddingCache

    with ImageEmbeddingCache() as cache:
        _warn(cache.warnings)
        info = cache.info()
    print(f"path: {info.path}")
    print(f"embeddings: {info.embeddings} (for {info.models} model{'s' * (info.models != 1)})")
    print(f"size: {_size(info.size_bytes)}")
    return EXIT_OK


def run_clear(args: argparse.Namespace) -> int:
    from clipdesk.labeling.embedding_cache import ImageEmbeddingCache

    with ImageEmbeddingCache() as cache:
        _warn(cache.warnings)
        before = cache.info().size_bytes
        removed = cache.clear()
        after = cache.info().size_bytes
        failed = not cache.enabled  # unusable, or it failed while clearing: say so, do not claim success
    if failed:
        _warn((f"error: could not clear the image cache {cache.path}",), prefix="")
        return EXIT_FAILED
    print(f"Cleared {removed} cached embedding{'s' * (removed != 1)} from {cache.path} "
          f"({_size(max(0, before - after))} freed)")
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    from clipdesk.cli.progress import ProgressBar
    from clipdesk.labeling.cluster import ClusterUnavailable, require_pyarrow
    from clipdesk.labeling.embedding_cache import ImageEmbeddingCache

    try:
        require_pyarrow()
    except ClusterUnavailable as error:
        _warn((f"error: {error}",), prefix="")
        return EXIT_USAGE
    from clipdesk.labeling.cluster.cache_import import ImportError_, import_embeddings

    if not args.folder.is_dir():
        _warn((f"error: {args.folder} is not a folder (give the --out DIR.parquet of a cluster run)",), prefix="")
        return EXIT_USAGE
    with ImageEmbeddingCache() as cache, ProgressBar("Importing", unit="rows") as bar:
        _warn(cache.warnings)
        try:
            result = import_embeddings(args.folder, cache, on_progress=bar.update)
        except ImportError_ as error:
            _warn((f"error: {error}",), prefix="")
            return EXIT_USAGE
        except OSError as error:
            _warn((f"error: could not read {args.folder}: {error.strerror or error}",), prefix="")
            return EXIT_FAILED
        failed = not cache.enabled
    if failed:
        _warn((f"error: could not store the embeddings in the image cache {cache.path}",), prefix="")
        return EXIT_FAILED
    print(f"Imported {result.imported} embedding{'s' * (result.imported != 1)} into {cache.path}"
          + (f" ({result.without_embedding} rows without one: failed photos)" if result.without_embedding else ""))
    return EXIT_OK


def run_path(args: argparse.Namespace) -> int:
    from clipdesk.labeling.embedding_cache import default_cache_path

    print(default_cache_path())
    return EXIT_OK


def _warn(warnings: tuple[str, ...], prefix: str = "warning: ") -> None:
    from clipdesk.cli.labeling_args import say

    for warning in warnings:
        say(f"{prefix}{warning}")


def _size(size: int) -> str:
    for factor, suffix in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size >= factor:
            return f"{size / factor:.1f} {suffix}"
    return f"{size} B"
