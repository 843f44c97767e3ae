"""The core's modules import each other without cycles, counting imports inside functions.

An import moved into a function can hide a cycle (``db -> backup -> db``) until the day the
order changes; so the graph here has every import of an ``ittdesk`` module, at the top of a
module or inside a function (only ``if TYPE_CHECKING:`` blocks are left out: they never run).
"""

from __future__ import annotations

import ast
import importlib
import random
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "ittdesk"

def core_modules() -> dict[str, tuple[Path, bool]]:
    """Module name -> (file, is a package)."""
    found = {}
    for path in sorted(CORE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        package = parts[-1] == "__init__"
        if package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, package)
    return found


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden |= {id(inner) for inner in ast.walk(node)}
    return hidden


def import_graph() -> dict[str, set[str]]:
    """Each core module -> the core modules it imports anywhere in its code (not its own
    parent packages, which Python imports before it whatever it says)."""
    modules = core_modules()

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, (path, package) in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        hidden = _type_checking_nodes(tree)
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in hidden:
                continue
            if isinstance(node, ast.Import):
                named = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if package else name.split(".")[:-1]
                    base = base[:len(base) - node.level + 1]
                    stem = ".".join(base + ([node.module] if node.module else []))
                else:
                    stem = node.module or ""
                named = [f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in modules else stem
                         for alias in node.names]
            else:
                continue
            for target in filter(None, map(known, named)):
                if target != name and not name.startswith(target + "."):
                    targets.add(target)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.add(frozenset(component))
    return found


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == {frozenset({"a", "b", "c"})}
    assert cycles({"a": {"b"}, "b": set()}) == set()


def test_the_core_modules_import_without_cycles():
    graph = import_graph()
    assert graph["ittdesk.db"] >= {"ittdesk.backup", "ittdesk.migrations", "ittdesk.models"}
    assert sorted(sorted(cycle) for cycle in cycles(graph)) == []


@pytest.mark.slow
def test_every_core_module_imports_on_its_own_in_any_order():
    """Each module first in a fresh interpreter, then all of them in a random order: an
    import-time cycle (a name asked of a module half imported) fails here."""
    names = sorted(name for name in core_modules() if not name.endswith("__main__"))  # runs
    order = names[:]
    random.Random(16).shuffle(order)
    script = ("import importlib, sys\n"
              "for name in sys.argv[1:]:\n"
              "    importlib.import_module(name)\n")
    for first in ("ittdesk.db", "ittdesk.backup", "ittdesk.migrations", "ittdesk.settings",
                  "ittdesk.audit", "ittdesk.restore", "ittdesk.services.agreement_lifecycle"):
        ran = subprocess.run([sys.executable, "-c", script, first, *order], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
        assert ran.returncode == 0, ran.stderr[-2000:]
    for name in names:
        importlib.import_module(name)
