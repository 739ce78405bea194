"""``clipdesk bench``: a readable table or JSON of this machine's figures, the reference columns only
when asked for, usage errors before any work, and no torch for --help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import photos


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bench-cli-photos")
    for name in ("coffee", "rocket"):
        photos.write_jpeg(folder, name)
    return folder


def quick(model: Path, folder: Path, *extra: object) -> list[object]:
    return ["bench", "--model", model, "--device", "cpu", "--images", folder, "--repeats", "1",
            "--batch-sizes", "1,2", "--labels", "4", *extra]


def test_bench_prints_a_table_of_every_figure(cli, tiny_vit_path, photo_folder):
    run = cli(*quick(tiny_vit_path, photo_folder, "--precision", "exact"))

    assert run.code == 0, run.err
    for name in ("model load", "image encode, batch 1", "image encode, batch 2", "single photo: file to embedding",
                 "text encode, 4 labels", "label a folder of 2 photos", "peak RSS of this process"):
        assert name in run.out
    assert "precision exact (fp32)" in run.out and str(tiny_vit_path) in run.out
    assert "reference" not in run.out  # no comparison unless asked
    assert "text encoding, 4 labels" in run.err  # progress goes to stderr


def test_compare_reference_adds_reference_ratio_and_difference_columns(cli, tiny_vit_path, photo_folder):
    run = cli(*quick(tiny_vit_path, photo_folder, "--precision", "exact", "--compare-reference"))

    assert run.code == 0, run.err
    header = next(line for line in run.out.splitlines() if "clipdesk" in line and "reference" in line)
    assert ["clipdesk", "reference", "ratio", "max", "|diff|", "min", "cos"] == header.split()
    text_row = next(line for line in run.out.splitlines() if line.startswith("text encode, 4 labels"))
    assert "×" in text_row and "e-0" in text_row  # a ratio and a tiny max abs difference


def test_json_output_is_machine_readable(cli, tiny_vit_path, photo_folder):
    run = cli(*quick(tiny_vit_path, photo_folder, "--json"))

    assert run.code == 0, run.err
    report = json.loads(run.out)
    keys = [row["key"] for row in report["rows"]]
    assert keys[:3] == ["load", "image_encode_b1", "image_encode_b2"] and "end_to_end" in keys
    assert report["device"] == "cpu" and report["precision"] in ("exact", "fast")
    assert all(row["ours"] > 0 for row in report["rows"])


@pytest.mark.parametrize("args, message", [
    (["--images", "no-such-folder"], "is not a folder"),
    (["--model", "ViT-Z/99"], "unknown model 'ViT-Z/99'"),
    (["--precision", "fast", "--device", "no-such-device"], "unknown device"),
])
def test_usage_errors_exit_2_with_a_message(cli, args, message):
    run = cli("bench", *args)

    assert run.code == 2
    assert message in run.err


def test_bad_batch_sizes_are_refused_by_the_parser(cli):
    run = cli("bench", "--batch-sizes", "8,zero")

    assert run.code == 2 and "numbers separated by commas" in run.err


def test_bench_help_never_imports_torch():
    code = ("import sys\n"
            "from clipdesk.main import main\n"
            "try:\n"
            "    main(['bench', '--help'])\n"
            "except SystemExit:\n"
            "    pass\n"
            "assert 'torch' not in sys.modules, 'torch imported for bench --help'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    assert "--compare-reference" in result.stdout and "--precision" in result.stdout


def test_run_memory_measures_a_whole_label_run_in_a_fresh_process(cli, tiny_vit_path, photo_folder):
    run = cli(*quick(tiny_vit_path, photo_folder, "--json", "--run-memory", "5,1200", "--run-memory", "3,10"))

    assert run.code == 0, run.err
    rows = {row["key"]: row for row in json.loads(run.out)["rows"]}
    big, small = rows["run_memory_5x1200"], rows["run_memory_3x10"]
    assert 50 < big["ours"] < 8000 and 50 < small["ours"] < 8000  # MB of a Python process with torch
    assert "exit 0" in big["note"] and "JSON" in big["note"]
    assert "1,200 labels" in big["name"]


@pytest.mark.parametrize("value", ["5", "0,10", "a,b", "1,2,3"])
def test_bad_run_sizes_are_refused_by_the_parser(cli, value):
    run = cli("bench", "--run-memory", value)
    assert run.code == 2 and ("PHOTOS,LABELS" in run.err or "at least 1" in run.err)


def test_bench_library_measures_projects_and_search_without_a_model(cli):
    import json as json_module

    run = cli("bench", "--library", "300", "--repeats", "1", "--json")
    assert run.code == 0, run.err
    figures = json_module.loads(run.out)
    assert figures["photos"] == 300 and figures["width"] == 512 and figures["project_bytes"] > 300 * 10
    for name in ("project_save_s", "project_open_s", "search_ms", "duplicates_s"):
        assert figures[name] > 0
    table = cli("bench", "--library", "300", "--repeats", "1").out
    assert "project open" in table and "search one query" in table
