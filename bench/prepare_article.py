"""Prepare a database with one published article for the public-page benchmark, and print its
URL path on the last line of stdout.

    .venv/bin/python bench/prepare_article.py                      # the built-in article
    .venv/bin/python bench/prepare_article.py --article ../shared/bench/article.json

The database is the one named by DATABASE_URL; without it, a SQLite file `bench/.bench.sqlite3`
is created fresh (and images go to `bench/.bench-media/`), so the developer's db.sqlite3 is never
touched. The article goes through the real workflow (save_revision, submit, approve with the
reviewer's password, publish), so the page is exactly what production serves: a byline, a hero
image made by the image pipeline, an approved prompt placed on it, tags, and a reference list.

The built-in article is about 1,500 words with 10 citations. Its sources are invented for the
benchmark: the metadata is shaped like real AMA references so the reference list costs what a
real one does, and the DOIs use Crossref's test prefix 10.5555, so none of them points at a real
work. They stay "not yet verified" (a gate warning), as they would before `verify_sources`.

`--article FILE` reads an article shaped like ../shared/bench/article.json (title, slug,
seo_description, intro, body_html, tags, citations, reviewed_by, last_reviewed). A body without
citation markers gets them mechanically: after each sentence the gate would ask a citation for,
then one per paragraph for references not used yet. The pairing of sentence and reference is
not meaningful; the markup, and so the page's cost, is what a cited article has.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import secrets
import shutil
import sys
from collections import Counter
from html import escape, unescape
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from evidence.identifiers import InvalidIdentifier, normalize_doi

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import signer  # noqa: E402 - needs the project on the path

DEFAULT_DATABASE = ROOT / "bench" / ".bench.sqlite3"
DEFAULT_MEDIA = ROOT / "bench" / ".bench-media"

WRITER = ("bench-writer", "Sam Patel", "BSc, health writer")
REVIEWER = ("bench-reviewer", "Dr Nadia Okafor", "MD, endocrinology")
EDITOR = ("bench-editor", "Eli Moreno", "")

PROMPT = {
    "kind": "information_packet",
    "name": "Information packet (benchmark)",
    "headline": "Would you like our information packet?",
    "body": "<p>We can post you a short printed guide to the services our clinic offers. "
    "It does not replace advice from your own doctor or nurse.</p>",
    "button_label": "Request the information packet",
    "disclosure_label": "From our clinic",
}

IMAGE_ALT = "An abstract illustration: overlapping circles in blue and teal on a pale background."


class BadArticle(Exception):
    """The article file cannot be used; the message names what is wrong and where."""


# --- The built-in article -------------------------------------------------------------------


def marker(key: str | int) -> str:
    return f'<sup data-citation="{key}">{key}</sup>'


BUILTIN: dict[str, Any] = {
    "title": "Type 2 diabetes: understanding your diagnosis",
    "slug": "type-2-diabetes-understanding-your-diagnosis",
    "seo_description": "What type 2 diabetes is, how it is diagnosed, what the HbA1c number "
    "means, and how food, activity, weight and medicines keep blood glucose in range.",
    "intro": "Type 2 diabetes is one of the most common long-term conditions in adults. Being "
    "told you have it can feel worrying, but most people who understand the condition and get "
    "the right support go on to live full and active lives. This guide explains what happens "
    "in your body, how the diagnosis is made, and what you and your care team can do together.",
    "body_html": (
        "<h2>What is type 2 diabetes?</h2>"
        "<p>When you eat, your body breaks down carbohydrate into glucose, a sugar that travels "
        "in your blood and gives your cells energy. A hormone called <strong>insulin</strong>, "
        "made by the pancreas, lets glucose move out of the blood and into the cells that need "
        "it. In type 2 diabetes, the body does not respond to insulin as well as it should, and "
        "over time the pancreas cannot make enough extra insulin to make up for it. Glucose "
        "then builds up in the blood instead of being used.</p>"
        "<p>Type 2 diabetes is different from type 1 diabetes, in which the immune system "
        "destroys the cells that make insulin. Type 2 usually develops slowly over many years, "
        "and many people have it for a long time before it is found. Around one adult in ten "
        f"worldwide now lives with diabetes, and most of them have type 2.{marker(6)}</p>"
        "<h2>Who is more likely to develop it?</h2>"
        "<p>Anyone can develop type 2 diabetes, but some things make it more likely:</p>"
        "<ul><li>being over 40, or over 25 if you are of South Asian, Chinese, African-Caribbean "
        "or Black African origin</li>"
        "<li>having a parent, brother or sister with diabetes</li>"
        "<li>carrying extra weight, especially around the waist</li>"
        "<li>having had diabetes during a pregnancy (gestational diabetes)</li>"
        "<li>having high blood pressure or polycystic ovary syndrome</li>"
        "<li>being inactive for most of the day</li></ul>"
        "<p>Some of these cannot be changed, but weight and activity can, and they matter at "
        "every stage of the condition.</p>"
        "<h2>Symptoms to look out for</h2>"
        "<p>Many people have no symptoms at all, which is why diabetes is often found by a "
        "routine blood test. When symptoms do appear, they can include:</p>"
        "<ul><li>feeling very thirsty</li><li>passing urine more often than usual, "
        "particularly at night</li><li>feeling tired all the time</li><li>losing weight "
        "without trying</li><li>blurred vision</li><li>itching around the genitals, or "
        "repeated thrush</li><li>cuts and grazes that take a long time to get better</li></ul>"
        "<p>If you notice any of these, ask your doctor or practice nurse for a blood test. "
        "It is quick, and an early diagnosis gives you more time to act.</p>"
        "<h2>How it is diagnosed</h2>"
        "<p>The usual test is the <strong>HbA1c</strong> blood test. It measures how much "
        "glucose has attached to your red blood cells, which shows your average blood glucose "
        "over the past two to three months. You do not need to fast before it. Results are "
        f"given in millimoles per mole (mmol/mol) or as a percentage:{marker(1)}</p>"
        "<ul><li><strong>Below 42 mmol/mol (6.0%):</strong> the usual range</li>"
        "<li><strong>42 to 47 mmol/mol (6.0 to 6.4%):</strong> a raised level, sometimes "
        "called prediabetes, which means a higher chance of developing diabetes</li>"
        "<li><strong>48 mmol/mol (6.5%) or above:</strong> type 2 diabetes, usually confirmed "
        "with a second test</li></ul>"
        "<p>Some conditions, such as anaemia or certain blood disorders, make HbA1c less "
        "reliable. Your doctor may then use a fasting glucose test or a glucose tolerance test "
        "instead.</p>"
        "<h2>Why blood glucose matters</h2>"
        "<p>Glucose that stays high for years slowly damages small and large blood vessels and "
        "the nerves they supply. This is what leads to the long-term problems linked with "
        "diabetes:</p>"
        "<ul><li>heart attack and stroke</li><li>kidney disease</li><li>damage to the back "
        "of the eye (retinopathy), which can affect sight</li><li>nerve damage, often felt "
        "first as tingling or numbness in the feet</li><li>foot ulcers and infections</li>"
        "</ul>"
        "<p>Keeping glucose, blood pressure and cholesterol close to their targets lowers the "
        "chance of these problems. In a long follow-up of people with newly diagnosed type 2 "
        "diabetes, those whose glucose was kept lower in the first years still had fewer heart "
        f"attacks a decade later.{marker(4)} Most people agree an HbA1c target with their care "
        f"team, often around 48 to 53 mmol/mol.{marker(1)}</p>"
        "<h2>Eating well</h2>"
        "<p>There is no single diabetes diet, and you do not need special foods. The same "
        "eating pattern that suits most adults also suits people with type 2 diabetes:</p>"
        "<ul><li>plenty of vegetables, pulses, fruit and whole grains</li>"
        "<li>fewer sugary drinks, sweets and refined starchy foods such as white bread</li>"
        "<li>fish, eggs, beans, nuts and lean meat for protein</li>"
        "<li>less salt and fewer processed meats</li></ul>"
        "<p>Carbohydrate raises blood glucose more than fat or protein, so paying attention to "
        "portion sizes of bread, rice, pasta and potatoes helps. A Mediterranean-style pattern "
        "and lower-carbohydrate plans both lowered HbA1c in a review of dietary "
        f"trials.{marker(8)} "
        "A registered dietitian can help you find an approach that fits your tastes, culture "
        "and budget.</p>"
        "<h2>Moving more</h2>"
        "<p>Physical activity helps your muscles take up glucose, and the effect lasts for a day "
        "or more after you exercise. Aim for at least 150 minutes of moderate activity a week, "
        "such as brisk walking, cycling or swimming, spread over at least three days, plus "
        f"some muscle-strengthening activity twice a week.{marker(7)} Breaking up long periods of "
        "sitting with a few minutes of light movement also helps.</p>"
        "<p>If you have not been active for a while, start slowly and build up. Check with your "
        "doctor first if you have heart disease, problems with your eyes, or numb feet.</p>"
        "<h2>Weight and remission</h2>"
        "<p>For people who carry extra weight, losing some of it lowers blood glucose, and "
        "larger weight loss can bring diabetes into <em>remission</em>, meaning glucose stays in "
        "the usual range without diabetes medicines. In a trial in primary care, almost half of "
        "the people who followed a structured low-calorie programme were in remission after "
        f"one year, and the chance was highest in those who lost 15 kg or more.{marker(2)} Morgan "
        f"et al. found that many of them were still in remission two years later.{marker(2)}</p>"
        "<p>Remission is not the same as being free of diabetes for good: glucose can rise "
        "again if weight comes back, so regular checks continue. Any weight loss, even 5%, "
        "brings benefits for blood glucose and blood pressure.</p>"
        "<h2>Medicines</h2>"
        "<p>Many people need medicines as well as changes to food and activity, and needing "
        "them is not a sign of failure. Type 2 diabetes tends to change over time, so "
        "treatment changes too.</p>"
        "<ul><li><strong>Metformin</strong> is usually the first medicine offered. It lowers the "
        "amount of glucose the liver releases.</li>"
        "<li><strong>SGLT2 inhibitors</strong> make the kidneys pass more glucose into the "
        "urine. In large trials they also lowered the chance of heart failure and slowed "
        f"kidney disease.{marker(5)}</li>"
        "<li><strong>GLP-1 receptor agonists</strong>, usually given by injection, help the body "
        "release insulin when glucose is high and reduce appetite.</li>"
        "<li><strong>Insulin</strong> may be needed if other treatments do not keep glucose in "
        "range.</li></ul>"
        "<p>Your doctor will suggest medicines based on your HbA1c, your weight, your other "
        f"health conditions and what matters to you.{marker(1)} Tell them about side effects, "
        "because there is usually another option.</p>"
        "<h2>Your yearly checks</h2>"
        "<p>People with diabetes are offered a set of checks at least once a year. They find "
        f"problems early, when they are easiest to treat:{marker(3)}</p>"
        "<ul><li>HbA1c, blood pressure and cholesterol</li><li>kidney function (a blood test "
        "and a urine test)</li><li>a foot check for feeling and circulation</li>"
        "<li>diabetic eye screening, with photographs of the back of the eye</li>"
        "<li>weight and waist measurement</li><li>a conversation about smoking, mood and "
        "how you are managing</li></ul>"
        "<p>Bring a list of questions, and any home glucose readings, to these appointments. "
        "People who took part in a structured education course about their diabetes felt more "
        f"confident managing it and had lower HbA1c a year later.{marker(9)}</p>"
        "<h2>Looking after your feet</h2>"
        "<p>Nerve damage can make it hard to feel a small cut or blister, and reduced blood "
        "flow slows recovery. Check your feet every day, wear shoes that fit well, and never "
        "walk barefoot outdoors. Contact your doctor or podiatrist the same day if you notice a "
        f"wound, a change in colour, or swelling.{marker(10)}</p>"
        "<h2>Low blood glucose</h2>"
        "<p>Some diabetes medicines, mainly insulin and sulfonylureas, can make blood glucose "
        "fall too low. This is called a hypo. Signs include shaking, sweating, hunger, "
        "confusion and a fast heartbeat. If you take one of these medicines, your care team "
        "will explain how to treat a hypo with a sugary drink or glucose tablets, followed by "
        "a snack, and when to check your glucose before driving.</p>"
        "<h2>Living with type 2 diabetes</h2>"
        "<p>Diabetes is a condition you manage every day, and it is normal to find that hard "
        "at times. Feeling low, worried or fed up is common. Talk to your care team about how "
        "you feel as well as about your numbers, because emotional support is part of good "
        "diabetes care. Many areas have local groups where you can meet other people with "
        "diabetes.</p>"
        "<p>Small, steady changes add up. Choosing one thing to work on at a time, such as a "
        "daily walk or swapping sugary drinks for water, is often easier to keep going than "
        "changing everything at once.</p>"
        "<h2>When to get help urgently</h2>"
        "<p>Call your doctor or an urgent care service straight away if you:</p>"
        "<ul><li>feel very unwell, are being sick and cannot keep fluids down</li>"
        "<li>are very thirsty and passing a lot of urine over a day or two</li>"
        "<li>become confused or very drowsy</li>"
        "<li>have a hypo that does not improve after treatment</li>"
        "<li>have a foot wound that is red, hot, swollen or smells</li></ul>"
        "<p>Call emergency services if someone with diabetes is unconscious or having a "
        "seizure.</p>"
    ),
    "tags": ["Type 2 diabetes", "Blood glucose", "HbA1c", "Healthy eating", "Physical activity"],
    "citations": [
        {
            "authors": "Whitfield AR, Osei K, Lindqvist M, et al.",
            "title": "Management of hyperglycaemia in type 2 diabetes: a consensus report for "
            "primary and specialist care",
            "journal": "Journal of Clinical Diabetes Practice",
            "year": 2022,
            "volume": "45",
            "issue": "11",
            "pages": "2753-2786",
            "kind": "guideline",
            "doi_url": "https://doi.org/10.5555/jcdp.2022.0451",
        },
        {
            "authors": "Morgan EJ, Taylor R, Barnes L, et al.",
            "title": "Primary care-led weight management for remission of type 2 diabetes: an "
            "open-label, cluster-randomised trial",
            "journal": "International Journal of Metabolic Medicine",
            "year": 2018,
            "volume": "391",
            "issue": "10120",
            "pages": "541-551",
            "kind": "randomized_trial",
            "doi_url": "https://doi.org/10.5555/ijmm.2018.3910",
        },
        {
            "authors": "Clarke HS, Adeyemi O",
            "title": "Annual care processes for adults with diabetes: recommendations for "
            "primary care",
            "journal": "Primary Care Endocrinology",
            "year": 2021,
            "volume": "12",
            "issue": "4",
            "pages": "e101-e118",
            "kind": "guideline",
            "doi_url": "https://doi.org/10.5555/pce.2021.1204",
        },
        {
            "authors": "Holman RR, Paul SK, Bethel MA, et al.",
            "title": "Ten-year follow-up of intensive glucose control in newly diagnosed type 2 "
            "diabetes",
            "journal": "New Journal of Cardiometabolic Research",
            "year": 2008,
            "volume": "359",
            "issue": "15",
            "pages": "1577-1589",
            "kind": "randomized_trial",
            "doi_url": "https://doi.org/10.5555/njcr.2008.3591",
        },
        {
            "authors": "Zelniker TA, Wiviott SD, Raz I, et al.",
            "title": "SGLT2 inhibitors for primary and secondary prevention of cardiovascular "
            "and renal outcomes in type 2 diabetes: a systematic review and meta-analysis",
            "journal": "Annals of Cardiometabolic Medicine",
            "year": 2019,
            "volume": "393",
            "issue": "10166",
            "pages": "31-39",
            "kind": "systematic_review",
            "doi_url": "https://doi.org/10.5555/acm.2019.3930",
        },
        {
            "authors": "Global Diabetes Surveillance Collaboration",
            "title": "Worldwide trends in diabetes prevalence and treatment from 1990 to 2022: a "
            "pooled analysis of population-representative studies",
            "journal": "Global Health Epidemiology",
            "year": 2024,
            "volume": "404",
            "issue": "10467",
            "pages": "2077-2093",
            "kind": "observational",
            "doi_url": "https://doi.org/10.5555/ghe.2024.4040",
        },
        {
            "authors": "Kanaley JA, Colberg SR, Corcoran MH, et al.",
            "title": "Exercise and physical activity in adults with type 2 diabetes: a "
            "consensus statement",
            "journal": "Journal of Sport and Metabolic Health",
            "year": 2022,
            "volume": "54",
            "issue": "2",
            "pages": "353-368",
            "kind": "guideline",
            "doi_url": "https://doi.org/10.5555/jsmh.2022.0542",
        },
        {
            "authors": "Schwingshackl L, Chaimani A, Hoffmann G, Schwedhelm C, Boeing H",
            "title": "A network meta-analysis of the comparative efficacy of different dietary "
            "approaches on glycaemic control in type 2 diabetes",
            "journal": "European Journal of Nutrition and Metabolism",
            "year": 2018,
            "volume": "33",
            "issue": "2",
            "pages": "157-170",
            "kind": "systematic_review",
            "doi_url": "https://doi.org/10.5555/ejnm.2018.0332",
        },
        {
            "authors": "Davies MJ, Heller S, Skinner TC, et al.",
            "title": "Structured group education for adults newly diagnosed with type 2 "
            "diabetes: cluster randomised controlled trial",
            "journal": "British Journal of Primary Care",
            "year": 2008,
            "volume": "336",
            "issue": "7642",
            "pages": "491-495",
            "kind": "randomized_trial",
            "doi_url": "https://doi.org/10.5555/bjpc.2008.3367",
        },
        {
            "authors": "Schaper NC, van Netten JJ, Apelqvist J, et al.",
            "title": "Guidelines on the prevention and management of diabetes-related foot disease",
            "journal": "Diabetes and Metabolism Research Reviews",
            "year": 2024,
            "volume": "40",
            "issue": "3",
            "pages": "e3657",
            "kind": "guideline",
            "doi_url": "https://doi.org/10.5555/dmrr.2024.0403",
        },
    ],
    "reviewed_by": f"{REVIEWER[1]}, {REVIEWER[2]}",
    "image_alt": IMAGE_ALT,
}


# --- Reading an article file ----------------------------------------------------------------

REQUIRED = ("title", "slug", "body_html", "citations")
_INITIALS = re.compile(r"^(?P<family>.+?)\s+(?P<given>[A-Z]{1,4})$")
_ET_AL = re.compile(r",?\s*et\.?\s+al\.?\s*$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


def read_article(path: Path) -> dict[str, Any]:
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except OSError as problem:
        raise BadArticle(f"{path}: cannot be read ({problem.strerror}).") from problem
    except json.JSONDecodeError as problem:
        raise BadArticle(
            f"{path}: not JSON (line {problem.lineno}, column {problem.colno}: {problem.msg})."
        ) from problem
    check_article(spec, str(path))
    return spec


def check_article(spec: Any, where: str) -> None:
    if not isinstance(spec, dict):
        raise BadArticle(f"{where}: expected a JSON object with {', '.join(REQUIRED)}.")
    for key in REQUIRED:
        if not spec.get(key):
            raise BadArticle(f"{where}: “{key}” is missing or empty.")
    if not _SLUG.match(str(spec["slug"])):
        raise BadArticle(f"{where}: slug {spec['slug']!r} may hold only letters, digits, - and _.")
    if not isinstance(spec["citations"], list):
        raise BadArticle(f"{where}: “citations” must be a list.")
    for number, citation in enumerate(spec["citations"], start=1):
        if not isinstance(citation, dict) or not citation.get("title"):
            raise BadArticle(f"{where}: citation {number} has no title.")
        try:
            normalize_doi(str(citation.get("doi_url", "")))
        except InvalidIdentifier as problem:
            raise BadArticle(f"{where}: citation {number}: doi_url: {problem}") from problem
    if not isinstance(spec.get("tags", []), list):
        raise BadArticle(f"{where}: “tags” must be a list of strings.")


def parse_authors(text: str) -> tuple[list[dict[str, str]], bool]:
    """ "Whelton PK, Carey RM, et al." as the sources store authors, and whether the list was
    cut short. A name that is not "Family INITIALS" is a group author ("SPRINT Research Group")."""
    truncated = bool(_ET_AL.search(text))
    text = _ET_AL.sub("", text).strip()
    authors = []
    for name in (part.strip() for part in text.split(",")):
        if not name:
            continue
        match = _INITIALS.match(name)
        if match:
            authors.append({"family": match.group("family"), "given": match.group("given")})
        else:
            authors.append({"literal": name})
    return authors, truncated


def reviewer_identity(reviewed_by: str) -> tuple[str, str]:
    """ "Dr Amelia Hart, consultant cardiologist" -> ("Dr Amelia Hart", "consultant cardiologist").
    The gate refuses an approval by a reviewer without credentials, so there must be some."""
    name, _, credentials = reviewed_by.partition(",")
    return name.strip(), credentials.strip() or "medical reviewer"


# --- Citation markers -----------------------------------------------------------------------

_MARKER = re.compile(r"data-citation=")
_TEXT_BLOCK = re.compile(r"<(p|li)>(.*?)</\1>", re.DOTALL)
# A sentence ends at . ! or ? (and any inline tags closing there) before a space or the end.
_SENTENCE_END = re.compile(r"[.!?](?:</(?:strong|em|b|i|a)>)*(?=\s|$)")
_TAGS = re.compile(r"<[^>]+>")


def needs_citation(sentence: str) -> bool:
    """The gate would block this sentence without a citation marker in it."""
    from articles.gate.checks.claims import claim_hits
    from articles.gate.checks.vague import vague_mentions
    from articles.gate.core import Severity

    hits = claim_hits(sentence)
    if any(c.severity == Severity.BLOCKER and c.citation_supports for c, _ in hits):
        return True
    return bool(vague_mentions(sentence, allow_phrase=False))


def add_markers(body: str, keys: list[str]) -> str:
    """Markers after each sentence that needs one (citing the references in turn), then one at
    the end of evenly spread paragraphs for each reference not cited yet."""
    cursor = 0
    used: set[str] = set()

    def next_key() -> str:
        nonlocal cursor
        key = keys[cursor % len(keys)]
        cursor += 1
        used.add(key)
        return key

    def mark_sentences(match: re.Match) -> str:
        tag, inner = match.group(1), match.group(2)
        pieces, start = [], 0
        for end in _SENTENCE_END.finditer(inner):
            sentence = inner[start : end.end()]
            if needs_citation(unescape(_TAGS.sub("", sentence))):
                sentence += marker(next_key())
            pieces.append(sentence)
            start = end.end()
        pieces.append(inner[start:])
        return f"<{tag}>{''.join(pieces)}</{tag}>"

    body = _TEXT_BLOCK.sub(mark_sentences, body)
    unused = [key for key in keys if key not in used]
    paragraphs = list(re.finditer(r"</p>", body))
    if not unused or not paragraphs:
        return body
    step = len(paragraphs) / len(unused)
    chosen = {int(i * step): key for i, key in enumerate(unused)}
    pieces, start = [], 0
    for index, closing in enumerate(paragraphs):
        pieces.append(body[start : closing.start()])
        if index in chosen:
            pieces.append(marker(chosen[index]))
        start = closing.start()
    pieces.append(body[start:])
    return "".join(pieces)


# --- The hero image -------------------------------------------------------------------------


def hero_jpeg(width: int = 1600, height: int = 900) -> bytes:
    """A photograph-sized JPEG (soft gradient, overlapping circles) made with Pillow."""
    from PIL import Image, ImageDraw, ImageFilter

    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=(int(225 - 40 * shade), int(238 - 30 * shade), int(246 - 10 * shade)),
        )
    circles = {(480, 420, 300): (40, 110, 190), (860, 500, 340): (30, 150, 150),
               (1180, 380, 260): (70, 90, 170)}  # fmt: skip
    for (cx, cy, r), colour in circles.items():
        layer = Image.new("L", (width, height), 0)
        ImageDraw.Draw(layer).ellipse([cx - r, cy - r, cx + r, cy + r], fill=140)
        image.paste(colour, mask=layer.filter(ImageFilter.GaussianBlur(8)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


# --- Writing it through the workflow --------------------------------------------------------


def _user(username: str, name: str, credentials: str, role, password: str):
    from django.contrib.auth import get_user_model

    from articles.models import AuthorProfile
    from articles.roles import Role, grant

    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@bench.invalid", "is_staff": True}
    )
    user.set_password(password)
    user.save()
    AuthorProfile.objects.update_or_create(
        user=user, defaults={"display_name": name, "credentials": credentials}
    )
    grant(user, role)
    if role == Role.REVIEWER:
        signer.ready_to_sign(user)
    return user


def _source(citation: dict[str, Any]):
    from evidence.models import Source
    from evidence.parsing import guess_kind

    authors, truncated = parse_authors(str(citation.get("authors", "")))
    doi = normalize_doi(str(citation["doi_url"]))
    fields = {
        "kind": citation.get("kind") or guess_kind(citation["title"]),
        "title": citation["title"],
        "authors": authors,
        "authors_truncated": truncated,
        "journal": citation.get("journal", ""),
        "year": citation.get("year"),
        "volume": str(citation.get("volume", "")),
        "issue": str(citation.get("issue", "")),
        "pages": str(citation.get("pages", "")),
    }
    source, _ = Source.objects.get_or_create(doi=doi, defaults=fields)
    return source


def _published_prompt(writer, reviewer, editor, password: str):
    from articles import workflow
    from articles.models import Prompt

    prompt = Prompt(owner=writer, **PROMPT)
    workflow.save_revision(prompt, writer, change_summary="Benchmark prompt")
    workflow.submit(prompt, writer)
    workflow.approve(prompt, reviewer, **signer.credentials(reviewer, password))
    workflow.publish(prompt, editor)
    return prompt


def prepare(spec: dict[str, Any]) -> tuple[Any, list]:
    """Write `spec` as a published article through the real workflow, in one transaction.
    Returns the article and the gate's findings at publication (warnings and information).

    Raises BadArticle if the slug is taken, and the workflow's errors (GateBlocked with the
    findings) if the article cannot be published; nothing is written then."""
    from django.db import transaction

    from articles import gate, workflow
    from articles.images import store_image
    from articles.models import Article, Citation, Placement
    from articles.roles import Role

    if Article.objects.filter(slug=spec["slug"]).exists():
        raise BadArticle(
            f"The database already has an article with slug “{spec['slug']}”. Use an empty "
            "database (unset DATABASE_URL for a fresh SQLite file)."
        )
    password = secrets.token_urlsafe(16)
    reviewer_name, reviewer_credentials = reviewer_identity(
        spec.get("reviewed_by") or f"{REVIEWER[1]}, {REVIEWER[2]}"
    )
    keys = [str(number) for number in range(1, len(spec["citations"]) + 1)]
    body = f"<p>{escape(spec['intro'])}</p>" if spec.get("intro") else ""
    body += spec["body_html"]
    if not _MARKER.search(body):
        body = add_markers(body, keys)

    with transaction.atomic():
        writer = _user(*WRITER, Role.WRITER, password)
        reviewer = _user(REVIEWER[0], reviewer_name, reviewer_credentials, Role.REVIEWER, password)
        editor = _user(*EDITOR, Role.EDITOR, password)
        prompt = _published_prompt(writer, reviewer, editor, password)
        article = Article(
            title=spec["title"],
            slug=spec["slug"],
            summary=spec.get("seo_description", ""),
            body=body,
            owner=writer,
            hero_image=store_image(hero_jpeg(), f"{spec['slug']}.jpg")[0],
            hero_alt=spec.get("image_alt") or IMAGE_ALT,
        )

        def related() -> None:
            article.tags.set(list(spec.get("tags", [])))
            for key, citation in zip(keys, spec["citations"], strict=True):
                Citation.objects.create(
                    article=article, source=_source(citation), order=int(key), key=key
                )
            Placement.objects.create(article=article, prompt=prompt)

        workflow.save_revision(
            article, writer, change_summary="Benchmark article", save_related=related
        )
        workflow.submit(article, writer)
        workflow.approve(article, reviewer, **signer.credentials(reviewer, password))
        findings = gate.run(article, stage="publish")
        workflow.publish(article, editor)
    return article, findings


# --- Command line ---------------------------------------------------------------------------


def setup() -> str:
    """Point Django at the benchmark database, migrate it, and say which database it is."""
    fresh = not os.environ.get("DATABASE_URL")
    if fresh:
        for path in DEFAULT_DATABASE.parent.glob(DEFAULT_DATABASE.name + "*"):
            path.unlink()
        shutil.rmtree(DEFAULT_MEDIA, ignore_errors=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{DEFAULT_DATABASE}"
        os.environ.setdefault("MEDIA_ROOT", str(DEFAULT_MEDIA))
    from bench.environment import local_production

    local_production()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    # The bench users' passwords are random and used once, to sign; hashing them slowly buys
    # nothing. Notifications would print e-mails to stdout, where the path must come last.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    call_command("migrate", verbosity=0)
    if fresh:
        return f"a fresh SQLite file, {DEFAULT_DATABASE} (set DATABASE_URL to use another)"
    return f"{connection.vendor} database {connection.settings_dict['NAME']} (DATABASE_URL)"


def _describe(article, spec: dict[str, Any], findings: list, builtin: bool) -> list[str]:
    from articles.text import html_blocks, word_count

    content = article.live_revision.content
    words = sum(word_count(block.text) for block in html_blocks("body", content["body"]))
    signature = article.live_signature
    lines = [
        f"article: “{content['title']}”: {words:,} words, {len(content['citations'])} citations, "
        f"{article.tags.count()} tags, {len(content['prompts'])} prompt, hero image "
        f"{content['image']['width']}×{content['image']['height']}",
        f"reviewed by {signature.reviewer_name}, {signature.reviewer_credentials}; signed "
        f"{signature.signed_at:%Y-%m-%d %H:%M} UTC",
    ]
    if spec.get("last_reviewed"):
        lines.append(
            f"note: last_reviewed {spec['last_reviewed']} is not used: a signature is real and "
            "dated when it is made, so the page shows today's review date."
        )
    if builtin:
        lines.append(
            "note: the sources are invented for the benchmark (DOIs under Crossref's test "
            "prefix 10.5555)."
        )
    counted = Counter(f"{finding.code} ({finding.severity})" for finding in findings)
    summary = ", ".join(f"{code} ×{n}" for code, n in counted.items()) or "none"
    lines.append(f"gate findings at publication: {summary}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--article", type=Path, help="a JSON file shaped like ../shared/bench/article.json"
    )
    args = parser.parse_args(argv)
    try:
        spec = read_article(args.article) if args.article else BUILTIN
    except BadArticle as problem:
        print(f"prepare_article: {problem}", file=sys.stderr)
        return 1
    try:
        where = setup()
    except (DatabaseError, ImproperlyConfigured) as problem:
        print(f"prepare_article: cannot prepare the database: {problem}", file=sys.stderr)
        return 1
    print(f"database: {where}")

    from articles.workflow import GateBlocked, WorkflowError

    try:
        article, findings = prepare(spec)
    except GateBlocked as blocked:
        print(
            f"prepare_article: the publication gate blocks “{spec['title']}”; nothing was written:",
            file=sys.stderr,
        )
        for finding in blocked.blockers:
            print(f"  [{finding.code}, {finding.location}] {finding.message}", file=sys.stderr)
        return 1
    except (BadArticle, WorkflowError) as problem:
        print(f"prepare_article: {problem}", file=sys.stderr)
        return 1
    for line in _describe(article, spec, findings, builtin=args.article is None):
        print(line)
    print(article.get_absolute_url())
    return 0


if __name__ == "__main__":
    sys.exit(main())
