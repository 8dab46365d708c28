"""Who imports whom among the project's modules, the import circles, and the forbidden imports.

```sh
.venv/bin/python bench/import_graph.py            # circles and forbidden imports; exit 1 if any
.venv/bin/python bench/import_graph.py --edges    # every project import, one "a -> b" a line
```

The graph is read from the source with `ast`, without importing anything: every `import` and
`from … import` counts wherever it is written (inside a function, under `if TYPE_CHECKING:`),
because a function-level import that dodges a circle at run time is still the circle in the
design. `from package import name` points at the submodule when `name` is one, else at the
package. Importing a module also runs its package's `__init__`, but that edge is left out: it
would make every package a circle with its own submodules.

`tests/test_import_rules.py` fails on any circle and on any import `RULES` forbids; `RULES` is
the one place the borders are written (docs/architecture.md draws them).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "articles", "evidence")


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


@dataclass(frozen=True)
class Rule:
    """Modules under any of `importers` never import a module under any of `forbidden`; with
    `only`, they import nothing of the project outside `only` and themselves. A prefix names a
    module and everything under it ("articles.gate" and its submodules)."""

    why: str
    importers: tuple[str, ...]
    forbidden: tuple[str, ...] = ()
    only: tuple[str, ...] = ()

    def forbids(self, edge: Import) -> bool:
        if not any(_under(edge.importer, prefix) for prefix in self.importers):
            return False
        if any(_under(edge.imported, prefix) for prefix in self.forbidden):
            return True
        allowed = (*self.only, *self.importers)
        return bool(self.only) and not any(_under(edge.imported, prefix) for prefix in allowed)


RULES: tuple[Rule, ...] = (
    Rule(
        why="evidence is a library of sources and references; articles builds on it",
        importers=("evidence",),
        forbidden=("articles",),
    ),
    Rule(
        why="the gate and the engine decide; the admin, the public site and the importers ask them",
        importers=("articles.gate", "articles.workflow"),
        forbidden=(
            "articles.admin",
            "articles.public",
            "articles.rendering",
            "articles.importers",
        ),
    ),
    Rule(
        why="what readers send sits beside the content: the content's models, the engine and the "
        "gate never depend on it",
        importers=("articles.models", "articles.gate", "articles.workflow"),
        forbidden=("articles.readers",),
    ),
    Rule(
        why="the audit trail is under everything that records into it: it reads the models and "
        "evidence's signal, never the engine, the gate, the admin, the public site or readers",
        importers=("articles.audit",),
        only=("articles.models", "evidence"),
    ),
    Rule(
        why="the public site, the readers' forms and the account screens stand beside the staff "
        "workspace: it asks them, they never import it, nor the importers",
        importers=("articles.public", "articles.readers", "articles.accounts"),
        forbidden=("articles.admin", "articles.importers"),
    ),
)


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the project's packages by dotted name (a package by its `__init__`)."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module a `from … import` reads from, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    # In a package's __init__, "." is the package itself; in a module, its package.
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports_of(module: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _project_target(module, alias.name, node.lineno, modules)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node, module, is_package)
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                target = submodule if submodule in modules else source
                yield from _project_target(module, target, node.lineno, modules)


def _project_target(
    module: str, name: str, line: int, modules: dict[str, Path]
) -> Iterator[Import]:
    # `import articles.gate.text` names the deepest project module in the dotted name.
    while name and name not in modules:
        name = name.rpartition(".")[0]
    if name and name != module:
        yield Import(module, name, line)


def import_graph(root: Path = ROOT) -> list[Import]:
    """Every import of one project module by another, in file and line order."""
    modules = project_modules(root)
    found: dict[tuple[str, str], Import] = {}
    for module, path in modules.items():
        for edge in _imports_of(module, path, modules):
            found.setdefault((edge.importer, edge.imported), edge)
    return list(found.values())


def cycles(edges: list[Import]) -> list[list[str]]:
    """The import circles: each strongly connected group of two or more modules, sorted
    (Tarjan's algorithm, iterative so a deep graph cannot hit the recursion limit)."""
    graph: dict[str, list[str]] = {}
    for edge in edges:
        graph.setdefault(edge.importer, []).append(edge.imported)
        graph.setdefault(edge.imported, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(graph[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return sorted(groups)


def forbidden_imports(
    edges: list[Import], rules: tuple[Rule, ...] = RULES
) -> list[tuple[Import, Rule]]:
    """Each import a rule forbids, with the rule."""
    broken = []
    for edge in edges:
        for rule in rules:
            if rule.forbids(edge):
                broken.append((edge, rule))
    return broken


def describe(edges: list[Import], modules: dict[str, Path]) -> list[str]:
    """One line a problem: the circles, then the forbidden imports with file and line."""
    lines = []
    for group in cycles(edges):
        inside = [e for e in edges if e.importer in group and e.imported in group]
        steps = ", ".join(f"{e.importer} -> {e.imported} (line {e.line})" for e in inside)
        lines.append(f"import circle among {', '.join(group)}: {steps}")
    for edge, rule in forbidden_imports(edges):
        path = modules[edge.importer].relative_to(ROOT)
        lines.append(f"{path}:{edge.line}: {edge.importer} imports {edge.imported} ({rule.why})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", action="store_true", help="print every project import")
    args = parser.parse_args(argv)
    edges = import_graph()
    if args.edges:
        for edge in sorted(edges, key=lambda e: (e.importer, e.imported)):
            print(f"{edge.importer} -> {edge.imported}")
        return 0
    problems = describe(edges, project_modules())
    modules = {e.importer for e in edges} | {e.imported for e in edges}
    print(f"{len(project_modules())} modules, {len(edges)} imports between {len(modules)} of them")
    print("\n".join(problems) or "no import circles, no forbidden imports")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
