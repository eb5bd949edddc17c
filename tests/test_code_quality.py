"""Style and types are part of "the tests pass": ruff (lint and format) and mypy --strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing_to_fix() -> None:
    lint = run("ruff", "check", "--no-fix", ".")
    assert lint.returncode == 0, lint.stdout[-4000:]
    form = run("ruff", "format", "--check", ".")
    assert form.returncode == 0, form.stdout[-4000:]


def test_mypy_strict_is_clean() -> None:
    typed = run("mypy")
    assert typed.returncode == 0, typed.stdout[-4000:]


def test_type_ignores_are_few_and_each_gives_its_reason() -> None:
    needle = "# type" + ": ignore"  # spelled in two parts so this file does not count itself
    ignores = [
        (path, line)
        for path in ROOT.rglob("*.py")
        if ".venv" not in path.parts
        for line in path.read_text(encoding="utf-8").splitlines()
        if needle in line
    ]
    assert len(ignores) <= 5, ignores
    assert all("#" in line.split(needle, 1)[1] for _, line in ignores), ignores  # a second comment: the reason
