"""``clipdesk bench``: how fast this machine labels photos, as a table (or JSON), optionally next to
OpenAI's reference package on the same weights.

Example (a few minutes with the reference)::

    clipdesk bench --compare-reference

Exit codes: 0 measured; 2 usage error (unknown model or precision, empty folder, reference package
missing for --compare-reference); 130 stopped with Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from clipdesk.cli import EXIT_OK, EXIT_USAGE
from clipdesk.cli.labeling_args import EXIT_INTERRUPTED, positive_int, say
from clipdesk.defaults import DEFAULT_MODEL, DEVICE_CHOICES, PRECISION_CHOICES


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench", help="measure how fast this machine encodes photos and labels",
        description="Measure image and text encoding speed, single-photo latency, folder labelling speed, "
                    "model load time and peak memory on this machine. Uses the model's cached weights, or "
                    "random weights of the same architecture when they are not downloaded (same speed).",
        epilog="exit codes: 0 measured, 2 usage error, 130 stopped by Ctrl-C")
    parser.add_argument("--model", default=DEFAULT_MODEL, metavar="NAME|PATH",
                        help=f"model name (e.g. {DEFAULT_MODEL}, CN-CLIP/ViT-B-16) or checkpoint file "
                             f"(default {DEFAULT_MODEL})")
    parser.add_argument("--device", default="auto", metavar="|".join(DEVICE_CHOICES),
                        help="where to run the model (default auto)")
    parser.add_argument("--precision", default="auto", choices=PRECISION_CHOICES,
                        help="exact = the reference's numbers; fast = bf16 products on CPUs with native "
                             "bf16 and draft JPEG decoding; auto = fast where the hardware supports it "
                             "(default auto)")
    parser.add_argument("--images", type=Path, metavar="DIR",
                        help="label the photos in this folder end to end (default: generated 12-MP JPEGs)")
    parser.add_argument("--photos", type=positive_int, default=16, metavar="N",
                        help="how many 12-MP JPEGs to generate without --images (default 16)")
    parser.add_argument("--labels", type=positive_int, default=200, metavar="N",
                        help="labels encoded in one call for the text figure (default 200)")
    parser.add_argument("--batch-sizes", type=_batch_sizes, default=(1, 8, 32), metavar="1,8,32",
                        help="image batch sizes to time (default 1,8,32)")
    parser.add_argument("--repeats", type=positive_int, default=3, metavar="N",
                        help="timed runs per figure, the median is shown (default 3; more = steadier)")
    parser.add_argument("--memory-labels", type=positive_int, metavar="N",
                        help="also measure the peak memory of a fresh process encoding N labels, e.g. 1000")
    parser.add_argument("--run-memory", type=_run_size, action="append", default=[], metavar="PHOTOS,LABELS",
                        help="also measure the peak memory of a whole `clipdesk label` run on PHOTOS small "
                             "photos with LABELS labels, e.g. 2000,5000 (repeat for several)")
    parser.add_argument("--compare-reference", action="store_true",
                        help="run the family's reference package on the same weights (OpenAI's: pip install "
                             "clip-anytorch; Chinese-CLIP's: pip install --no-deps cn-clip six), alternating with "
                             "clipdesk, and show the ratios and output differences")
    parser.add_argument("--cluster", action="store_true",
                        help="also label the same photos with `label --on ray` on a local Ray and show its "
                             "photos/s beside the local run's (needs pip install 'clipdesk[cluster]')")
    parser.add_argument("--library", type=positive_int, metavar="N",
                        help="instead: the figures of a library of N photos (project save and open, search "
                             "and near-duplicates over N embeddings), e.g. 20000; no model needed")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.set_defaults(func=run)


def _batch_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"batch sizes must be at least 1, got {text!r}")
    return sizes


def _run_size(text: str) -> tuple[int, int]:
    try:
        photos, labels = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected PHOTOS,LABELS (e.g. 2000,5000), got {text!r}") from None
    if photos < 1 or labels < 1:
        raise argparse.ArgumentTypeError(f"photos and labels must be at least 1, got {text!r}")
    return photos, labels


def run(args: argparse.Namespace) -> int:
    from clipdesk.bench.run import BenchOptions, run_benchmark

    if args.library:
        return _library(args)

    if args.cluster:
        from clipdesk.labeling.cluster import ClusterUnavailable, require_cluster

        try:
            require_cluster()
        except ClusterUnavailable as error:
            say(f"error: {error}")
            return EXIT_USAGE
    if args.images is not None and not args.images.is_dir():
        say(f"error: --images {args.images} is not a folder")
        return EXIT_USAGE
    options = BenchOptions(model=args.model, device=args.device, precision=args.precision,
                           batch_sizes=args.batch_sizes, repeats=args.repeats, labels=args.labels,
                           images=args.images, photos=args.photos, compare_reference=args.compare_reference,
                           memory_labels=args.memory_labels or 0, run_memory=tuple(args.run_memory),
                           cluster=args.cluster)
    try:
        report = run_benchmark(options, on_step=lambda text: say(f"{text}…"))
    except (ValueError, ImportError) as error:
        say(f"error: {error}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        say("stopped")
        return EXIT_INTERRUPTED
    if args.json:
        json.dump(report.as_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_report(report))
    return EXIT_OK


def _library(args: argparse.Namespace) -> int:
    from clipdesk.bench.library import measure_library

    say(f"measuring a library of {args.library:,} photos…")
    try:
        result = measure_library(args.library, repeats=args.repeats)
    except KeyboardInterrupt:
        say("stopped")
        return EXIT_INTERRUPTED
    if args.json:
        json.dump(result.as_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    print(f"clipdesk bench --library: {result.photos:,} photos, {result.width}-wide embeddings")
    print(f"  project save       {result.project_save_s * 1000:8.1f} ms  ({result.project_bytes / 1e6:.1f} MB file)")
    print(f"  project open       {result.project_open_s * 1000:8.1f} ms  (parse + check every photo is there)")
    print(f"  search one query   {result.search_ms:8.1f} ms  (after the query is encoded)")
    print(f"  near-duplicates    {result.duplicates_s * 1000:8.1f} ms  (every pair, similarity >= 0.95)")
    return EXIT_OK


def format_report(report) -> str:
    """The table people read: one row per figure, the reference and ratio columns when compared."""
    compared = any(row.reference is not None for row in report.rows)
    lines = [f"clipdesk bench: {report.model} on {report.device_description}, precision {report.precision} "
             f"({report.numerics}), torch {report.torch_version}, {report.threads} threads",
             f"machine: {report.machine}",
             f"weights: {report.weights}",
             f"each figure: median of {report.repeats} runs" + (", alternating with the reference" if compared else ""),
             ""]
    header = f"{'':42} {'clipdesk':>14}"
    if compared:
        header += f" {'reference':>14} {'ratio':>7} {'max |diff|':>10} {'min cos':>8}"
    lines.append(header)
    for row in report.rows:
        line = f"{row.name:42} {_value(row.ours, row.unit):>14}"
        if compared:
            ratio = f"{row.ratio:.2f}×" if row.ratio is not None else ""
            diff = f"{row.max_abs_diff:.1e}" if row.max_abs_diff is not None else ""
            cosine = f"{row.min_cosine:.6f}" if row.min_cosine is not None else ""
            reference = _value(row.reference, row.unit) if row.reference is not None else ""
            line += f" {reference:>14} {ratio:>7} {diff:>10} {cosine:>8}"
        if row.note:
            line += f"  ({row.note})"
        lines.append(line.rstrip())
    if compared:
        lines.append("ratio: how many times faster (or smaller) clipdesk is")
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines)


def _value(value: float, unit: str) -> str:
    if math.isnan(value) or math.isinf(value):
        return f"{value} {unit}"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:.{digits}f} {unit}"
