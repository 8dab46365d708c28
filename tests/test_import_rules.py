"""The borders between the project's parts hold: no import circles, no forbidden imports.

The rules are data in bench/import_graph.py (`RULES`), read from the source with `ast`, so a
function-level import or one under `if TYPE_CHECKING:` counts like any other."""

from __future__ import annotations

from pathlib import Path

from bench.import_graph import (
    RULES,
    Import,
    cycles,
    describe,
    forbidden_imports,
    import_graph,
    project_modules,
)


def test_the_project_has_no_import_circles_and_no_forbidden_imports():
    edges = import_graph()
    assert describe(edges, project_modules()) == []


def test_the_graph_sees_function_level_and_relative_imports(tmp_path: Path):
    package = tmp_path / "articles"
    (package / "gate").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "gate" / "__init__.py").write_text("from .core import run\n")
    (package / "gate" / "core.py").write_text(
        "def run():\n    from articles.admin import site\n    from . import checks\n"
    )
    (package / "gate" / "checks.py").write_text("from articles.gate.core import run\n")
    (package / "admin.py").write_text("import articles.gate.core\n")

    edges = {(e.importer, e.imported) for e in import_graph(tmp_path)}

    assert edges == {
        ("articles.gate", "articles.gate.core"),
        ("articles.gate.core", "articles.admin"),
        ("articles.gate.core", "articles.gate.checks"),
        ("articles.gate.checks", "articles.gate.core"),
        ("articles.admin", "articles.gate.core"),
    }
    assert cycles(import_graph(tmp_path)) == [
        ["articles.admin", "articles.gate.checks", "articles.gate.core"]
    ]


def test_a_forbidden_import_is_named_with_its_rule():
    evidence_reaching_up = Import("evidence.models", "articles.text", 3)
    engine_reaching_out = Import("articles.workflow", "articles.public.pages", 9)
    allowed = [
        Import("articles.workflow", "articles.gate", 1),
        Import("articles.admin.reviewed", "articles.workflow", 1),
        Import("articles.public.pages", "evidence.references", 1),
        # "articles.gate" is a prefix of modules, not of names: a sibling is not inside it.
        Import("articles.gateway", "articles.admin", 1),
    ]

    broken = forbidden_imports([evidence_reaching_up, engine_reaching_out, *allowed])

    assert [edge for edge, _ in broken] == [evidence_reaching_up, engine_reaching_out]
    assert [rule for _, rule in broken] == [RULES[0], RULES[1]]
