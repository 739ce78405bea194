"""CI runs what the README tells a newcomer to run, in an environment that proves a fresh machine."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def readme_test_command_as_ci_reads_it() -> str:
    script = REPO / ".ci" / "run"
    awk = next(line for line in script.read_text(encoding="utf-8").splitlines() if line.startswith("test_command="))
    program = awk.split("awk '", 1)[1].rsplit("' README.md", 1)[0]
    return subprocess.run(["awk", program, str(REPO / "README.md")], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_ci_runs_the_readme_test_command_word_for_word() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Run the tests", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    assert readme_test_command_as_ci_reads_it() == block.strip().splitlines()[0]
    assert "python -m pytest" in block

