"""``clipdesk keywords show PHOTO…`` and ``clipdesk keywords undo LOG``: what keywords photos hold
(embedded and in their sidecars, clipdesk's own marked), and taking back a logged run.

Exit codes: 0 done; 1 some photos could not be read or some changes not undone; 2 usage error
(no ExifTool, a log that is not clipdesk's)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from clipdesk.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, writes_unicode
from clipdesk.cli.labeling_args import say


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("keywords", help="show photos' keywords; undo a keyword write or a sort",
                                   description="Show the keywords photos hold, or undo a logged run of "
                                               "`label --write-keywords` or `sort`.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="the keywords of photos (embedded and in sidecars)")
    show.add_argument("photos", nargs="+", type=Path, metavar="PHOTO")
    show.add_argument("--json", action="store_true", help="print JSON instead of lines")
    show.set_defaults(func=run_show)
    undo = actions.add_parser("undo", help="take back the changes in a change log",
                              description="Undo a logged run, newest change first: keywords it added are "
                                          "removed and those it removed are put back (later edits by others "
                                          "are kept); copies are removed, moves moved back, each only while "
                                          "still the file clipdesk made.")
    which = undo.add_mutually_exclusive_group(required=True)
    which.add_argument("log", nargs="?", type=Path, metavar="LOG", help="the change log a run printed")
    which.add_argument("--last", action="store_true", help="the newest log in clipdesk's data folder")
    undo.set_defaults(func=run_undo)


def run_show(args: argparse.Namespace) -> int:
    from clipdesk.labeling.library.exiftool import MetadataTool, MetadataToolError
    from clipdesk.labeling.library.sidecar import SidecarError, read_sidecar, sidecar_path

    try:
        tool = MetadataTool()
    except MetadataToolError as error:
        say(f"error: {error}")
        return EXIT_USAGE
    failed = 0
    records = []
    with tool:
        for photo in args.photos:
            record: dict[str, object] = {"path": str(photo)}
            try:
                record["embedded"] = _view(tool.read(photo))
            except MetadataToolError as error:
                record["error"] = str(error)
                failed += 1
            side = sidecar_path(photo)
            if side.is_file():
                try:
                    record["sidecar"] = {"path": str(side), **_view(read_sidecar(side.read_bytes()))}
                except (OSError, SidecarError) as error:
                    record["sidecar"] = {"path": str(side), "error": str(error)}
            records.append(record)
    if args.json:
        print(json.dumps(records, ensure_ascii=not writes_unicode(sys.stdout), indent=2))
    else:
        for record in records:
            print(record["path"])
            if "error" in record:
                print(f"  error: {record['error']}")
            for place in ("embedded", "sidecar"):
                view = record.get(place)
                if isinstance(view, dict):
                    _print_view(place if place == "embedded" else f"sidecar {view['path']}", view)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _view(keywords) -> dict[str, object]:
    return {"subject": list(keywords.subject), "hierarchical_subject": list(keywords.hierarchy),
            "iptc_keywords": list(keywords.iptc),
            "by_clipdesk": list(dict.fromkeys((*keywords.added_subjects, *keywords.added_keywords)))}


def _print_view(title: str, view: dict) -> None:
    if "error" in view:
        print(f"  {title}: error: {view['error']}")
        return
    mine = set(view["by_clipdesk"])

    def marked(values: list[str]) -> str:
        return ", ".join(f"{v}*" if v in mine else v for v in values) or "—"

    print(f"  {title}:")
    print(f"    XMP dc:subject:              {marked(view['subject'])}")
    print(f"    XMP lr:hierarchicalSubject:  {', '.join(view['hierarchical_subject']) or '—'}")
    if title == "embedded":
        print(f"    IPTC Keywords:               {marked(view['iptc_keywords'])}")
    if mine:
        print("    (* written by clipdesk)")


def run_undo(args: argparse.Namespace) -> int:
    from clipdesk.cli.progress import ProgressBar
    from clipdesk.labeling.library.change_log import ChangeLogError, latest_log
    from clipdesk.labeling.library.exiftool import MetadataToolError
    from clipdesk.labeling.library.undo import FAILED, RESTORED, SKIPPED, undo_log

    log = args.log
    if args.last:
        log = latest_log()
        if log is None:
            say("error: there is no change log to undo")
            return EXIT_USAGE
        say(f"undoing {log}")
    try:
        with ProgressBar("Undoing", unit="changes") as bar:
            report = undo_log(log, on_progress=bar.update)
    except (ChangeLogError, MetadataToolError) as error:
        say(f"error: {error}")
        return EXIT_USAGE
    for warning in report.warnings:
        say(f"warning: {warning}")
    if report.already_undone:
        say(f"{log} was already undone; nothing changed")
        return EXIT_OK
    for outcome in report.outcomes:
        if outcome.status != RESTORED:
            say(f"{outcome.path}: {outcome.status}: {outcome.detail}")
    say(f"undo: restored {report.count(RESTORED)}, skipped {report.count(SKIPPED)}, "
        f"failed {report.count(FAILED)}")
    if report.count(FAILED):
        say("run the same undo again once the failures are fixed; it only redoes what is left")
        return EXIT_SOME_FAILED
    return EXIT_OK
