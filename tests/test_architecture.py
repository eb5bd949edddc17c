"""The house's shape holds: no import cycles (deferred imports included), and the layer contracts."""

from __future__ import annotations

import ast
import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import MALLOC_ARENAS

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ("bot", "handlers", "conversations", "db")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(packages: tuple[str, ...] = PRODUCTION, root: Path = ROOT) -> dict[str, set[str]]:
    """Every module's imports of other project modules, read from the AST: function bodies too."""
    files = {module_name(p, root): p for package in packages for p in (root / package).rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for target in targets:
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm: the components of mutually reachable modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            components.append(component)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in graph:
        if node not in index:
            visit(node)
    return components


def test_no_import_cycles_even_through_deferred_imports() -> None:
    cycles = [sorted(c) for c in strongly_connected(import_graph()) if len(c) > 1]
    assert cycles == []


def test_a_cycle_is_found_where_there_is_one(tmp_path: Path) -> None:
    for name, body in {"a/__init__.py": "", "a/one.py": "def f():\n    from a import two\n", "a/two.py": "from a.one import f\n"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body)
    assert {"a.one", "a.two"} in strongly_connected(import_graph(("a",), tmp_path))


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"]
    return subprocess.run(command, cwd=root, env={"PYTHONPATH": str(root), "PATH": ""}, capture_output=True, text=True, timeout=120)


def test_the_layer_contracts_hold() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_the_contracts_would_catch_an_upward_import(tmp_path: Path) -> None:
    """In a copy of the tree, db/ imports a handler: the layers contract breaks."""
    for package in (*PRODUCTION, "devtools"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / "db" / "people.py").open("a") as module:
        module.write("\nfrom handlers import plan  # noqa: E402\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "Dependencies point one way" in done.stdout and "BROKEN" in done.stdout


def test_a_process_starts_without_the_libraries_only_files_need() -> None:
    """Every `ecoach run`, `worker` and `web` pays at start for what it imports: openpyxl (with numpy),
    fpdf2 and matplotlib cost ~44 MiB and half a second, and only a workbook, a PDF or a chart needs them."""
    heavy = ("openpyxl", "numpy", "fpdf", "matplotlib")
    probe = f"import sys, bot.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


ARENA_PROBE = """
import ctypes, sys, threading
from bot.cli import main
main(["tips", "check"])  # any command: the cap comes first
go = threading.Barrier(8)
def allocate():
    go.wait()
    kept = [bytearray(1000) for _ in range(100)]
threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
stream = libc.fopen(sys.argv[1].encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(stream))
libc.fclose(ctypes.c_void_p(stream))
"""


def test_a_process_keeps_four_malloc_arenas_however_many_threads_allocate(tmp_path: Path) -> None:
    """glibc gives each new thread an arena of its own and keeps what is freed in it; on SQLite every
    pooled connection is a thread, and 20,000 alumnae's sweep peaked 19 MiB higher without the cap."""
    if not hasattr(ctypes.CDLL(None), "malloc_info"):
        pytest.skip("not glibc: no malloc arenas to count")
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    report = tmp_path / "malloc_info.xml"
    subprocess.run([sys.executable, "-c", ARENA_PROBE, str(report)], cwd=ROOT, env=env, capture_output=True, check=True)
    assert report.read_text().count("<heap nr=") == MALLOC_ARENAS  # eight threads and the main one: nine without the cap
