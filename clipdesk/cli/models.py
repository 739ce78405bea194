"""``clipdesk models list|download|import|remove|path``: manage the weights cache from a terminal.

Results go to stdout (paths, the table); progress and errors go to stderr. Every failure is one line
saying what to do next, with exit code 1 (2 for an unknown model name or bad arguments, 130 for Ctrl-C).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from clipdesk.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE
from clipdesk.cli.progress import ProgressBar

EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "models", help="list, download, import or remove CLIP weights",
        description="Manage the CLIP weights cache. Weights are downloaded once, checked against their "
                    "published SHA256, and kept in the user data folder (CLIPDESK_DATA_DIR overrides it).")
    parser.set_defaults(func=lambda args: parser.print_help() or EXIT_USAGE)
    commands = parser.add_subparsers(dest="models_command", metavar="ACTION")

    listing = commands.add_parser("list", help="every known model: size, whether it is cached, its path")
    listing.set_defaults(func=run_list)

    download = commands.add_parser("download", help="download models now (default: the default model)")
    download.add_argument("names", nargs="*", metavar="NAME", help="e.g. ViT-B/32; see `clipdesk models list`")
    download.set_defaults(func=run_download)

    importing = commands.add_parser(
        "import", help="copy a weights file into the cache (for machines without network)",
        description="Copy a local weights file into the cache. A file with a published SHA256 becomes that "
                    "model; any other CLIP checkpoint needs --name and is checked before it is added.")
    importing.add_argument("file", type=Path, metavar="FILE")
    importing.add_argument("--name", help="name for a custom model (not needed for the published OpenAI and "
                                                  "Chinese-CLIP files)")
    importing.set_defaults(func=run_import)

    remove = commands.add_parser("remove", help="delete a model from the cache")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(func=run_remove)

    path = commands.add_parser("path", help="print the cache folder, or the file of one model")
    path.add_argument("name", nargs="?", metavar="NAME")
    path.set_defaults(func=run_path)


def run_list(args: argparse.Namespace) -> int:
    from clipdesk.weights import DEFAULT_MODEL, list_models, models_dir
    from clipdesk.weights.cache import MISSING, PARTIAL
    from clipdesk.weights.registry import (
        APPROX_SIZE_MIB,
        CHINESE_CLIP,
        DEFAULT_CHINESE_MODEL,
        FAMILY_TITLES,
        OPENAI,
        PURPOSES,
        family_of,
    )

    sections = {OPENAI: f"{FAMILY_TITLES[OPENAI]}: for labels written in English",
                CHINESE_CLIP: f"{FAMILY_TITLES[CHINESE_CLIP]}: for labels written in Chinese (简体 and 繁體; "
                              f"{DEFAULT_CHINESE_MODEL} is the default with a Chinese window)",
                None: "Other models (their family is read from the file when loaded)"}

    def row(entry) -> tuple[str, ...]:
        name = entry.spec.name + (" *" if entry.spec.name == DEFAULT_MODEL else "")
        if entry.state in (MISSING, PARTIAL):
            expected = entry.spec.size or (APPROX_SIZE_MIB.get(entry.spec.name, 0) << 20)
            size = f"~{_size(expected)}" if expected else "?"
            status = entry.state if entry.state == MISSING else f"{entry.state} ({_size(entry.size_on_disk or 0)})"
        else:
            size, status = _size(entry.size_on_disk or 0), entry.state
        return (name, size, status + (" (imported)" if entry.imported else ""),
                PURPOSES.get(entry.spec.name, ""), ", ".join(entry.spec.source_hosts) or "imported",
                str(entry.path))

    def report() -> int:
        grouped: dict[str | None, list] = {family: [] for family in sections}
        for entry in list_models():
            grouped[family_of(entry.spec)].append(entry)
        rows = [row(entry) for entries in grouped.values() for entry in entries]
        header = ("NAME", "SIZE", "STATUS", "FOR", "FROM", "PATH")
        widths = [max(len(cells[column]) for cells in [header, *rows]) for column in range(5)]

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=False)) + "  " + cells[5]

        print(line(header))
        for family, entries in grouped.items():
            if entries:
                print(f"\n{sections[family]}")
                for entry in entries:
                    print(line(row(entry)))
        print(f"\n* default model. Cache folder: {models_dir()}")
        print("FROM: where a download comes from, tried in this order (CLIPDESK_MODEL_MIRROR and "
              "CLIPDESK_CN_CLIP_MIRROR name others)")
        from clipdesk.weights.aliases import read_aliases

        for alias, target in sorted(read_aliases(models_dir()).items()):
            print(f"{alias!r} is another name for {target}")
        return EXIT_OK

    return _guarded(report)


def _say_source(url: str) -> None:
    """Which server a download is using (a model may have several, tried in order)."""
    from urllib.parse import urlsplit

    _say(f"from {urlsplit(url).netloc}: {url}")


def run_download(args: argparse.Namespace) -> int:
    from clipdesk.weights import (
        DEFAULT_MODEL,
        ModelSpec,
        Registry,
        WeightsError,
        ensure_model,
        load_registry,
        models_dir,
        resolve,
    )

    def known_models() -> tuple[Registry, list[ModelSpec]]:  # every name is checked before any fetch
        registry = load_registry()
        return registry, [resolve(name, registry, models_dir()) for name in args.names or [DEFAULT_MODEL]]

    prepared = _guarded_value(known_models)
    if isinstance(prepared, int):
        return prepared
    registry, specs = prepared
    failed = 0
    for spec in specs:
        bar = ProgressBar(f"Downloading {spec.name}")
        try:
            path = ensure_model(spec.name, registry=registry, on_progress=bar.update,
                                on_source=_say_source if len(spec.sources) > 1 else None,
                                on_wait=lambda name=spec.name: _say(f"waiting for another clipdesk "
                                                                    f"process that is downloading {name}…"))
        except WeightsError as error:
            bar.close()
            _error(error)
            failed += 1
            continue
        except KeyboardInterrupt:
            bar.close()
            _say(f"download of {spec.name} cancelled; run the command again to resume")
            return EXIT_INTERRUPTED
        bar.close()
        print(f"{spec.name}: {path}")
    return EXIT_SOME_FAILED if failed else EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    from clipdesk.weights import import_weights

    bar = ProgressBar(f"Copying {args.file.name}")

    def do_import() -> int:
        try:
            result = import_weights(args.file, args.name, validate=_validate_lazily, on_progress=bar.update,
                                    on_wait=lambda: _say("waiting for another clipdesk process that is "
                                                         "writing the same model file…"))
        finally:
            bar.close()
        also = f", also known as {result.alias!r}" if result.alias else ""
        if result.already_cached:
            print(f"{args.file} is {result.spec.name}{also}, already in the cache: {result.path}")
        elif result.known:
            print(f"Imported {args.file} as {result.spec.name} (its SHA256 matches the published file)"
                  f"{also}: {result.path}")
        else:
            print(f"Imported {args.file} as {result.spec.name}: {result.path}")
        return EXIT_OK

    return _guarded(do_import)


def run_remove(args: argparse.Namespace) -> int:
    from clipdesk.weights import remove_model

    def do_remove() -> int:
        removed = remove_model(args.name)
        print(f"Removed {args.name}: " + ", ".join(str(path) for path in removed))
        return EXIT_OK

    return _guarded(do_remove)


def run_path(args: argparse.Namespace) -> int:
    from clipdesk.weights import load_registry, models_dir, resolve

    if args.name is None:
        print(models_dir())
        return EXIT_OK

    def model_path() -> int:
        spec = resolve(args.name, load_registry(), models_dir())
        path = models_dir() / spec.file_name
        print(path)
        if not path.is_file():
            _say(f"{spec.name} is not downloaded yet; run `clipdesk models download {spec.name}`")
            return EXIT_SOME_FAILED
        return EXIT_OK

    return _guarded(model_path)


def _validate_lazily(path: Path) -> None:
    """Import the engine (and torch) only when a file really needs checking."""
    from clipdesk.labeling.labeling_model import validate_checkpoint

    validate_checkpoint(path)


def _guarded(action: Callable[[], int]) -> int:
    """Run ``action``; a ``WeightsError`` becomes one line on stderr and an exit code."""
    result = _guarded_value(action)
    return result if isinstance(result, int) else EXIT_OK


def _guarded_value(action: Callable[[], object]) -> object:
    from clipdesk.weights import UnknownModelError, WeightsError

    try:
        return action()
    except UnknownModelError as error:
        _error(error)
        return EXIT_USAGE
    except WeightsError as error:
        _error(error)
        return EXIT_SOME_FAILED
    except OSError as error:  # the weights layer wraps these; a last guard so no traceback reaches a user
        where = f" ({error.filename})" if error.filename else ""
        _say(f"error: {error.strerror or error}{where}; check the path and the folder's permissions")
        return EXIT_SOME_FAILED
    except KeyboardInterrupt:
        _say("cancelled")
        return EXIT_INTERRUPTED


def _error(error: BaseException) -> None:
    _say(f"error: {' '.join(str(error).split())}")  # one line, whatever a server or a path contained


def _say(line: str) -> None:
    print(f"clipdesk: {line}", file=sys.stderr, flush=True)


def _size(size: int) -> str:
    for factor, suffix in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size >= factor:
            return f"{size / factor:.1f} {suffix}"
    return f"{size} B"
