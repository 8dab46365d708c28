"""No function in the project is longer than `LIMIT` lines (issue 12, "Structure"): a long one
should read as a short sequence of named steps, each a small function of its own.

Functions are read with `ast`, like `bench/import_graph.py` reads imports, in the same packages
(`project_modules`: articles, evidence, config), migrations left out. A function's length is
from its `def` line to its last line, docstring and comments included, decorators not; a method
is named by its class ("module.Class.method"), a nested function by the one it is in.

There are no exceptions: a function that grows past the limit is split into its steps.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.import_graph import ROOT, project_modules

LIMIT = 60


@dataclass(frozen=True)
class Function:
    name: str  # "articles.importers.load._save_article", "….ImportReport.as_json"
    path: Path
    line: int
    length: int

    def __str__(self) -> str:
        return f"{self.name} ({self.path.relative_to(ROOT)}:{self.line}): {self.length} lines"


def functions(root: Path = ROOT) -> Iterator[Function]:
    """Every function and method of the project's modules, nested ones included."""
    for module, path in project_modules(root).items():
        if "migrations" in module.split("."):
            continue
        yield from _functions_in(ast.parse(path.read_text(encoding="utf-8")), module, path)


def _functions_in(node: ast.AST, prefix: str, path: Path) -> Iterator[Function]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{prefix}.{child.name}"
            length = child.end_lineno - child.lineno + 1
            yield Function(name, path, child.lineno, length)
            yield from _functions_in(child, name, path)
        elif isinstance(child, ast.ClassDef):
            yield from _functions_in(child, f"{prefix}.{child.name}", path)
        else:  # functions under `if`, `try`, `with`…
            yield from _functions_in(child, prefix, path)


def test_no_function_is_longer_than_the_limit():
    too_long = [str(function) for function in functions() if function.length > LIMIT]
    listed = "\n".join(too_long)
    assert not too_long, f"Longer than {LIMIT} lines; make each a few named steps:\n{listed}"


def test_methods_nested_and_conditional_functions_are_measured_and_migrations_are_not(tmp_path):
    package = tmp_path / "articles"
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "migrations" / "0001_initial.py").write_text(_function("forwards", LIMIT + 5))
    body = "\n".join(
        [
            "class Report:",
            _indented(_function("render", 4)),
            "def outer():",
            _indented(_function("inner", LIMIT + 1)),
            "if True:",
            _indented(_function("conditional", 2)),
        ]
    )
    (package / "reports.py").write_text(body + "\n")

    measured = {function.name: function.length for function in functions(tmp_path)}

    assert measured == {
        "articles.reports.Report.render": 4,
        "articles.reports.outer": LIMIT + 2,  # its own `def` line and the inner function
        "articles.reports.outer.inner": LIMIT + 1,
        "articles.reports.conditional": 2,
    }


def _function(name: str, lines: int) -> str:
    """A function of exactly `lines` lines."""
    return "\n".join([f"def {name}():", *["    x = 1"] * (lines - 2), "    pass"])


def _indented(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
