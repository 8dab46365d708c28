"""Importing this package registers every check, in the order findings are reported: where the
content came from, the sources, the citation markers, then the text (attributions, vague sources,
claims), the prompts, disclosure, images, the reviewer, the compliance approval, readability."""

# ruff: noqa: I001  (the import order is the report order)
from articles.gate.checks import origin  # noqa: F401
from articles.gate.checks import sources  # noqa: F401
from articles.gate.checks import citations  # noqa: F401
from articles.gate.checks import attribution  # noqa: F401
from articles.gate.checks import vague  # noqa: F401
from articles.gate.checks import claims  # noqa: F401
from articles.gate.checks import prompts  # noqa: F401
from articles.gate.checks import disclosure  # noqa: F401
from articles.gate.checks import images  # noqa: F401
from articles.gate.checks import reviewer  # noqa: F401
from articles.gate.checks import compliance  # noqa: F401
from articles.gate.checks import readability  # noqa: F401
