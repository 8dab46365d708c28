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


def test_the_borders_of_the_apps_inside_articles():
    # What readers send (articles.readers), the audit trail (articles.audit), the public site
    # (articles.public) and accounts (articles.accounts) are apps of their own.
    engine_reading_readers = Import("articles.workflow", "articles.readers.access", 4)
    models_reading_readers = Import("articles.models.content", "articles.readers.models", 2)
    audit_asking_the_engine = Import("articles.audit.edits", "articles.workflow", 7)
    audit_reaching_the_public_site = Import("articles.audit.records", "articles.public.site", 3)
    readers_calling_the_admin = Import("articles.readers.feedback", "articles.admin.history", 5)
    public_site_calling_the_admin = Import("articles.public.pages", "articles.admin", 8)
    accounts_calling_the_admin = Import("articles.accounts.people", "articles.admin.users", 6)
    allowed = [
        Import("articles.audit.records", "articles.models", 1),
        Import("articles.audit.models", "articles.models.immutable", 1),
        Import("articles.audit.apps", "evidence.signals", 1),
        Import("articles.audit.edits", "articles.audit", 1),
        Import("articles.admin.readers", "articles.readers.models", 1),
        Import("articles.jobs", "articles.readers.retention", 1),
        Import("articles.readers.newsletter", "articles.audit", 1),
        Import("articles.readers.information_requests", "articles.public.site", 1),
        Import("articles.workflow", "articles.audit", 1),
        Import("articles.admin.users", "articles.accounts.people", 1),
        Import("articles.signing", "articles.accounts.models", 1),
    ]
    forbidden = [
        engine_reading_readers,
        models_reading_readers,
        audit_asking_the_engine,
        audit_reaching_the_public_site,
        readers_calling_the_admin,
        public_site_calling_the_admin,
        accounts_calling_the_admin,
    ]

    broken = forbidden_imports([*forbidden, *allowed])

    assert [edge for edge, _ in broken] == forbidden
    assert [rule for _, rule in broken] == [
        RULES[2],
        RULES[2],
        RULES[3],
        RULES[3],
        RULES[4],
        RULES[4],
        RULES[4],
    ]
