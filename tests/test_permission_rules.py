"""What someone may do to content is decided in one place, `articles.workflow` (`permissions`,
`check`, `may_see`). The staff screens, the review screen, the comments and the commands ask it;
none of them looks at a person's roles, superuser flag or ownership to decide for itself.

This reads their code with `ast` and fails on a name that decides by role. The few modules that
may, because what they decide is not about content, are listed with the reason."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The modules that ask the engine rather than decide.
ASKERS = [
    "articles/admin",
    "articles/review.py",
    "articles/comments.py",
    "articles/management",
]

# Names that decide by who someone is: the roles and the questions about them, the superuser
# flag, and ownership.
DECIDING_NAMES = {"roles_of", "has_role", "signs_approvals", "Role", "SIGNING_ROLES"}
DECIDING_ATTRIBUTES = {"is_superuser", "owner_id"}

# Modules that may, each for a reason that is not a decision about content.
ALLOWED = {
    # Account administration: which roles a person holds, who may make someone a superuser.
    "articles/admin/users.py": {"roles_of", "is_superuser"},
    # The audit trail's own pages are for the Admin role (not a permission on content).
    "articles/admin/records.py": {"has_role", "Role"},
    "articles/admin/history.py": {"has_role", "Role"},
    # Which work lists a person is shown ("Awaiting review" for reviewers), not what they may do
    # to an item in them: each item is still decided by the engine when opened or acted on.
    "articles/admin/queues.py": {"Role", "roles_of"},
}


def deciding_names(path: Path) -> dict[str, int]:
    """Each deciding name the module uses, with the first line it is on."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        name = None
        if isinstance(node, ast.Name) and node.id in DECIDING_NAMES:
            name = node.id
        elif isinstance(node, ast.Attribute) and node.attr in DECIDING_ATTRIBUTES:
            name = node.attr
        elif isinstance(node, ast.alias) and node.name in DECIDING_NAMES:
            name = node.name
        if name is not None:
            found.setdefault(name, node.lineno)
    return found


def modules() -> list[Path]:
    paths = []
    for asker in ASKERS:
        path = ROOT / asker
        paths.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return paths


def test_screens_comments_and_commands_ask_the_engine_instead_of_deciding_by_role():
    decided = {}
    for path in modules():
        relative = path.relative_to(ROOT).as_posix()
        extra = {
            name: line
            for name, line in deciding_names(path).items()
            if name not in ALLOWED.get(relative, set())
        }
        if extra:
            decided[relative] = extra
    assert decided == {}, (
        "Decide what someone may do to content in articles.workflow (permissions, check) and "
        f"ask it here: {decided}"
    )


def test_the_scan_finds_what_it_forbids(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from articles.roles import Role, roles_of\n"
        "def may(user, content):\n"
        "    return Role.EDITOR in roles_of(user) or content.owner_id == user.pk\n"
    )
    assert set(deciding_names(sample)) == {"Role", "roles_of", "owner_id"}


def test_every_allowed_module_still_needs_what_it_is_allowed():
    """An allowance nobody uses any more is taken out, so the list stays the list of reasons."""
    for relative, names in ALLOWED.items():
        if (ROOT / relative).exists():  # a module moved elsewhere is scanned no more
            assert set(deciding_names(ROOT / relative)) == names, relative
