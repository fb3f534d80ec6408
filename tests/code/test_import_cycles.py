"""The package's import graph - module-level and function-level imports alike - has no cycle.

A function-level import only hides a cycle until someone moves it to the top; the shared
pieces belong in a module both sides import. Imports under ``if TYPE_CHECKING:`` never run
and are left out. An edge goes to the module an import names (``from a.b import c`` is
``a.b.c`` when that is a module, else ``a.b``); a package's ``__init__`` importing its own
submodules is how packages are built, so the implicit parent-package import is not an edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ordersync

ROOT = Path(ordersync.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in ROOT.rglob("*.py") if "migrations" not in p.parts}


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(tree: ast.AST, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """Every ``ordersync`` module this module imports, anywhere in its code."""
    found: set[str] = set()
    package = name if is_package else name.rpartition(".")[0]
    stack = [tree]
    while stack:
        node = stack.pop()
        if _type_checking_only(node):
            stack.extend(node.orelse)  # the else branch does run
            continue
        stack.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    names = set(modules)
    return {
        name: _imports(ast.parse(path.read_text()), name, path.name == "__init__.py", names)
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
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
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_the_cycle_finder_sees_a_function_level_cycle():
    source = "def f():\n    from ordersync.b import x\n"
    graph = {
        "ordersync.a": _imports(ast.parse(source), "ordersync.a", False,
                                {"ordersync.a", "ordersync.b"}),
        "ordersync.b": {"ordersync.a"},
    }
    assert cycles(graph) == [["ordersync.a", "ordersync.b"]]
    typed = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ordersync.b import x\n"
    assert _imports(ast.parse(typed), "ordersync.a", False, {"ordersync.a", "ordersync.b"}) \
        == set()


def test_the_graph_covers_the_package():
    graph = import_graph()
    assert "ordersync.order_loop.steps" in graph
    assert "ordersync.order_loop.context" in graph["ordersync.order_loop.steps"]


def test_no_import_cycle_in_ordersync():
    found = cycles(import_graph())
    assert found == [], "import cycles (move the shared pieces into a module both import):\n" \
        + "\n".join(" <-> ".join(c) for c in found)
