"""Words people read are wrapped for translation (issue 12: Spanish is next).

Two guards that fail when someone adds English the translators would never see: a scan of the
templates for visible text outside {% translate %} / {% blocktranslate %}, and a look at every
model's verbose names, help texts and choice labels, which must be lazy translations.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.apps.registry import Apps
from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

TEMPLATES = Path(settings.BASE_DIR) / "templates"

# Text that stays as it is in every language: the site's name (alone, or after a page title).
ALLOWED = {"Vetted", "· Vetted", "Vetted:"}

_TOKEN = re.compile(
    r"(?P<skip>\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}"
    r"|\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}"
    # CSS class names, not words
    r"|\{%\s*block bodyclass\s*%\}.*?\{%\s*endblock\s*%\}"
    r"|<!--.*?-->|<(?P<raw>script|style)\b.*?</(?P=raw)\s*>|\{#.*?#\}"
    # names in code (a cookie, a field), the same in every language
    r"|<code>[^<]*</code>)"
    r"|(?P<tag>\{%.*?%\}|\{\{.*?\}\})"
    r"|(?P<html></?[a-zA-Z!](?:[^<>{]|\{\{.*?\}\}|\{%.*?%\}|\{(?![{%]))*>)"
    r"|(?P<text>(?:[^<{]|\{(?![{%#]))+|[<{])",
    re.DOTALL,
)
_WORD = re.compile(r"[^\W\d_]")
_ENTITY = re.compile(r"&#?\w+;")
_INLINE = re.compile(
    r"\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}|\{\{.*?\}\}|\{%.*?%\}",
    re.DOTALL,
)
# Attributes a person reads (or hears, from a screen reader).
_ATTRIBUTE = re.compile(r"""\b(aria-label|title|alt|placeholder|value|content)=("[^"]*"|'[^']*')""")


def _has_words(text: str) -> bool:
    text = " ".join(_ENTITY.sub("", text).split())
    return bool(_WORD.search(text)) and text not in ALLOWED


def untranslated(source: str) -> list[tuple[int, str]]:
    """(line, text) of each piece of visible text in a template that no translation tag wraps."""
    found = []
    for match in _TOKEN.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        if match.lastgroup == "text" and _has_words(match.group()):
            found.append((line, " ".join(match.group().split())))
        elif match.lastgroup == "html":
            tag = match.group()
            for name, quoted in _ATTRIBUTE.findall(tag):
                if name == "value" and not re.search(r'type="(submit|button|reset)"', tag):
                    continue  # a form value, not a button's label
                if name == "content" and not re.search(
                    r'name="description"|property="og:(description|image:alt)"', tag
                ):
                    continue
                rest = _INLINE.sub("", quoted[1:-1])
                if _has_words(rest):
                    found.append((line, f'{name}="{" ".join(rest.split())}"'))
    return found


def test_the_scan_finds_text_and_attributes_left_in_english():
    assert untranslated("<p>Hello</p>") == [(1, "Hello")]
    assert untranslated('<nav aria-label="Main">\n{% if x %}Next page{% endif %}</nav>') == [
        (1, 'aria-label="Main"'),
        (2, "Next page"),
    ]
    assert untranslated('<input type="submit" value="Save">') == [(1, 'value="Save"')]
    assert untranslated("{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}") == []
    assert untranslated('<p>{% translate "Hello" %} {{ name }} &rsaquo;</p>') == []
    assert untranslated("<a aria-label=\"{% translate 'Main' %}\">Vetted</a>") == []
    assert untranslated("{# a note #}{% comment %}Notes{% endcomment %}<!-- x -->") == []
    assert untranslated("<p><code>csrftoken</code></p>") == []


@pytest.mark.parametrize(
    "template",
    # The pages, and the plain-text emails.
    sorted([*TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.txt")]),
    ids=lambda p: str(p.relative_to(TEMPLATES)),
)
def test_templates_leave_no_text_untranslated(template: Path):
    left = untranslated(template.read_text())
    assert not left, "wrap in {% translate %} or {% blocktranslate %}:\n" + "\n".join(
        f"  {template.relative_to(TEMPLATES)}:{line}: {text}" for line, text in left
    )


def _unwrapped(model: type[models.Model]) -> list[str]:
    """What this model says to people in plain strings rather than lazy translations."""
    where = model._meta.label
    found = []
    for name in ("verbose_name", "verbose_name_plural"):
        value = model._meta.original_attrs.get(name)
        if value is not None and not isinstance(value, Promise):
            found.append(f"{where}.Meta.{name} = {value!r}")
    for field in model._meta.get_fields(include_parents=False):
        if field.auto_created or not field.concrete:
            continue
        # `_verbose_name` is what the field was given; without one Django uses the field's name
        # (adding one for every field would be a migration of its own).
        given = field._verbose_name
        if given is not None and not isinstance(given, Promise):
            found.append(f"{where}.{field.name} verbose_name {given!r}")
        if field.help_text and not isinstance(field.help_text, Promise):
            found.append(f"{where}.{field.name} help_text {field.help_text!r}")
        for _value, label in field.flatchoices if field.choices else ():
            if not isinstance(label, Promise):
                found.append(f"{where}.{field.name} choice {label!r}")
    return found


def test_the_model_check_finds_plain_strings():
    class Plain(models.Model):  # noqa: DJ008
        kind = models.CharField("kind of thing", max_length=5, choices=[("a", "Apple")])
        note = models.TextField(help_text="Said plainly.")
        wrapped = models.TextField(gettext_lazy("wrapped"), help_text=gettext_lazy("Fine."))

        class Meta:
            apps = Apps()  # kept out of the project's registry
            app_label = "articles"
            verbose_name = "plain thing"

    assert _unwrapped(Plain) == [
        "articles.Plain.Meta.verbose_name = 'plain thing'",
        "articles.Plain.kind verbose_name 'kind of thing'",
        "articles.Plain.kind choice 'Apple'",
        "articles.Plain.note help_text 'Said plainly.'",
    ]


@pytest.mark.parametrize(
    "model",
    # The project's own models, whichever of its apps they live in.
    [m for m in apps.get_models() if m.__module__.split(".")[0] in ("articles", "evidence")],
    ids=lambda m: m._meta.label,
)
def test_model_names_help_texts_and_choices_are_lazy_translations(model):
    assert _unwrapped(model) == []
