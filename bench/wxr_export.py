"""Write a realistic WordPress export (WXR 1.2, as WordPress 6.x writes it) of N posts.

    .venv/bin/python bench/wxr_export.py [--posts 2000] [--out export.xml] [--seed 1]

About 10 KB a post (2,000 posts: about 20 MB): classic-editor and block-editor bodies of
900-1,200 words with headings, lists and captioned images, research summaries with a `Source:`
line, promotional pieces with a title-only reading list, the clinic's calls to action and opt-in
form pasted into many posts, two or three comments each, categories, tags, featured images, every
status WordPress has, pages, attachments and menu items. The text is generated from a fixed pool
of sentences (deterministic for a seed); the DOIs use the 10.5555 test prefix and resolve nowhere.
The images are referenced, not written: import it without --media-dir, and the report lists
them. Nothing is written to a database.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

SITE = "https://bench-clinic.example"
AUTHORS = [
    ("mpatel", "Maya Patel, PT"),
    ("jlee", "Jordan Lee"),
    ("sokafor", "Dr Sade Okafor"),
    ("tnguyen", "Tam Nguyen, RN"),
    ("clinic", "Bench Clinic"),
]
CATEGORIES = [
    ("knee-pain", "Knee Pain"),
    ("back-pain", "Back Pain"),
    ("research", "Research &amp; Trials"),
    ("sports-injuries", "Sports Injuries"),
    ("healthy-ageing", "Healthy Ageing"),
]
TAGS = ["Running", "ACL", "Exercise", "Sleep", "Posture", "Tendons", "Arthritis", "Walking"]
CONDITIONS = [
    "Knee Pain", "Low Back Pain", "Shoulder Stiffness", "Tennis Elbow", "Ankle Sprains",
    "Hip Arthritis", "Neck Pain", "Plantar Heel Pain", "Runner's Knee", "Osteoporosis",
]  # fmt: skip
ANGLES = [
    "What Helps", "When to See a Doctor", "Exercises You Can Do at Home", "What a New Trial Found",
    "Myths and Facts", "A Guide for Older Adults", "Getting Back to Sport", "Sleeping Better",
]  # fmt: skip
SENTENCES = [
    "Most people notice that the ache settles within a few weeks when they stay gently active.",
    "Resting completely for days on end usually slows recovery rather than speeding it up.",
    "A short daily walk keeps the joints moving and the surrounding muscles strong.",
    "Pain is a signal worth listening to, but it does not always mean the tissue is damaged.",
    "Your physiotherapist can show you how to increase activity a little at a time.",
    "Heat can ease stiff muscles, while a cold pack may calm a fresh, swollen injury.",
    "Simple painkillers help some people move more comfortably in the first few days.",
    "Sleep matters too: a tired body feels pain more keenly and heals more slowly.",
    "Strengthening the hips and thighs takes load off the knee during everyday tasks.",
    "Good shoes with enough cushioning make a difference on long walks and runs.",
    "If the joint locks, gives way or swells quickly, ask a clinician to examine it.",
    "Numbness, weakness or trouble passing urine with back pain needs urgent attention.",
    "Gradual exposure to the activities you fear often reduces pain over time.",
    "Keeping a simple diary of activity and pain can show patterns you might otherwise miss.",
    "Stretching before and after exercise feels good, though it does not prevent every injury.",
    "Weight loss, even a few kilograms, reduces the load on weight-bearing joints.",
    "Many scans show changes that are common with age and cause no symptoms at all.",
    "Returning to sport works best when strength and confidence come back together.",
    "A warm-up of five to ten minutes prepares the muscles and tendons for harder work.",
    "Pacing means spreading demanding tasks across the day instead of doing them all at once.",
    "Talk to your doctor before starting a new medicine, especially if you take others.",
    "Swimming and cycling are gentle on the joints and still build fitness.",
    "Poor posture is rarely the single cause of pain, but changing position often helps.",
    "Flare-ups happen; they usually settle and do not mean you are back at the start.",
    "Children and teenagers recover from most sprains faster than adults do.",
    "Balance exercises lower the risk of falls for older adults living at home.",
    "A brace may give confidence early on, but muscles do the long-term work.",
    "Ask how long each treatment is expected to take before you agree to it.",
    "Good evidence comes from trials that compare a treatment with a fair alternative.",
    "Small studies are a starting point; larger trials tell us whether a result holds.",
]
FAMILIES = ["Lindqvist", "Moreau", "Haddad", "Tanaka", "Okonkwo", "Silva", "Kowalski", "Brennan"]
JOURNALS = ["BMC Musculoskelet Disord", "J Orthop Sports Phys Ther", "Br J Sports Med"]
PACKET = (
    "<h3>Request Information Packet</h3>\n"
    "We'll post you our FREE information packet about how we assess and treat joint pain!\n\n"
    "Thanks for your interest!"
)
OPTIN = (
    '<div class="et_bloom_inline_form"><div class="et_bloom_form_header">'
    "<h2>Subscribe To Our Newsletter</h2><p>Join our mailing list to receive the latest news "
    'and updates from our team.</p></div><form method="post"><input type="email" '
    'placeholder="Email"><button>Subscribe!</button></form>'
    '<span class="et_bloom_success_message">You have Successfully Subscribed!</span></div>'
)
# The same call to action as the block editor saves it.
PACKET_BLOCKS = (
    '<!-- wp:heading {"level":3} -->\n<h3 class="wp-block-heading">Request Information Packet</h3>'
    "\n<!-- /wp:heading -->\n\n<!-- wp:paragraph -->\n<p>We'll post you our FREE information "
    "packet about how we assess and treat joint pain!</p>\n<!-- /wp:paragraph -->\n\n"
    "<!-- wp:paragraph -->\n<p>Thanks for your interest!</p>\n<!-- /wp:paragraph -->"
)
STATUSES = ["publish"] * 14 + ["draft"] * 3 + ["private", "pending", "future"]


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def paragraph(rng: random.Random) -> str:
    return " ".join(rng.sample(SENTENCES, rng.randint(4, 6)))


def source_line(rng: random.Random, family: str, n: int) -> str:
    others = ", ".join(f"{name}, {chr(65 + i)}." for i, name in enumerate(rng.sample(FAMILIES, 2)))
    year = rng.randint(2012, 2024)
    return (
        f"Source: {family}, K., {others} et al. A randomised trial of supervised exercise for "
        f"{rng.choice(CONDITIONS).lower()}. {rng.choice(JOURNALS)} {rng.randint(10, 40)}, "
        f"{rng.randint(1, 900)} ({year}). https://doi.org/10.5555/bench.{year}.{n:05d}"
    )


def classic_body(rng: random.Random, n: int, image: str | None, study: str | None) -> str:
    parts = [paragraph(rng)]
    if study:
        parts.append(f"In a trial of {rng.randint(40, 400)} adults, {study} et al. found that "
                     + paragraph(rng))  # fmt: skip
    for heading in rng.sample(ANGLES, 2):
        parts.append(f"<h2>{heading}</h2>\n{paragraph(rng)}\n{paragraph(rng)}")
        parts.append(paragraph(rng))
    items = "\n".join(f"\t<li>{rng.choice(SENTENCES)}</li>" for _ in range(4))
    parts.append(f"<ul>\n{items}\n</ul>")
    if image:
        parts.append(
            f'[caption id="attachment_{n}" align="aligncenter" width="1024"]<img class="size-large '
            f'wp-image-{n}" src="{image}" alt="Exercise {n}" width="1024" height="683" /> '
            f"An exercise from the programme.[/caption]"
        )
    parts += [paragraph(rng), paragraph(rng)]
    return "\n\n".join(parts)


def block_body(rng: random.Random, n: int, image: str | None) -> str:
    def p(text: str) -> str:
        return f"<!-- wp:paragraph -->\n<p>{text}</p>\n<!-- /wp:paragraph -->"

    parts = [p(paragraph(rng)), p(paragraph(rng))]
    for heading in rng.sample(ANGLES, 2):
        parts.append(f'<!-- wp:heading -->\n<h2 class="wp-block-heading">{heading}</h2>\n'
                     "<!-- /wp:heading -->")  # fmt: skip
        parts += [p(paragraph(rng)), p(paragraph(rng))]
    items = "".join(
        f"<!-- wp:list-item -->\n<li>{rng.choice(SENTENCES)}</li>\n<!-- /wp:list-item -->"
        for _ in range(4)
    )
    parts.append(f"<!-- wp:list -->\n<ul>{items}</ul>\n<!-- /wp:list -->")
    if image:
        parts.append(
            f'<!-- wp:image {{"id":{n}}} -->\n<figure class="wp-block-image size-large"><img '
            f'src="{image}" alt="" class="wp-image-{n}"/></figure>\n<!-- /wp:image -->'
        )
    parts += [p(paragraph(rng)), p(paragraph(rng))]
    return "\n\n".join(parts)


def comments(rng: random.Random, n: int) -> str:
    return "".join(
        f"""
		<wp:comment>
			<wp:comment_id>{n * 10 + c}</wp:comment_id>
			<wp:comment_author>{cdata("Reader " + str(c))}</wp:comment_author>
			<wp:comment_author_email>{cdata(f"reader{c}@example.net")}</wp:comment_author_email>
			<wp:comment_author_url></wp:comment_author_url>
			<wp:comment_author_IP>{cdata("203.0.113.9")}</wp:comment_author_IP>
			<wp:comment_date>{cdata("2022-01-02 10:00:00")}</wp:comment_date>
			<wp:comment_date_gmt>{cdata("2022-01-02 10:00:00")}</wp:comment_date_gmt>
			<wp:comment_content>{cdata(paragraph(rng))}</wp:comment_content>
			<wp:comment_approved>{cdata("1")}</wp:comment_approved>
			<wp:comment_type>{cdata("comment")}</wp:comment_type>
			<wp:comment_parent>0</wp:comment_parent>
			<wp:comment_user_id>0</wp:comment_user_id>
		</wp:comment>"""
        for c in range(rng.randint(1, 3))
    )


def meta(key: str, value: str) -> str:
    return (
        f"\n\t\t<wp:postmeta>\n\t\t<wp:meta_key>{cdata(key)}</wp:meta_key>\n"
        f"\t\t<wp:meta_value>{cdata(value)}</wp:meta_value>\n\t\t</wp:postmeta>"
    )


def item(fields: dict[str, str], body: str = "", extra: str = "") -> str:
    return f"""
	<item>
		<title>{cdata(fields["title"])}</title>
		<link>{fields["link"]}</link>
		<pubDate>Mon, 03 Jan 2022 09:00:00 +0000</pubDate>
		<dc:creator>{cdata(fields["author"])}</dc:creator>
		<guid isPermaLink="false">{fields["guid"]}</guid>
		<description></description>
		<content:encoded>{cdata(body)}</content:encoded>
		<excerpt:encoded>{cdata(fields.get("excerpt", ""))}</excerpt:encoded>
		<wp:post_id>{fields["id"]}</wp:post_id>
		<wp:post_date>{cdata(fields["date"])}</wp:post_date>
		<wp:post_date_gmt>{cdata(fields["date"])}</wp:post_date_gmt>
		<wp:post_modified>{cdata(fields["date"])}</wp:post_modified>
		<wp:post_modified_gmt>{cdata(fields["date"])}</wp:post_modified_gmt>
		<wp:comment_status>{cdata("open")}</wp:comment_status>
		<wp:ping_status>{cdata("open")}</wp:ping_status>
		<wp:post_name>{cdata(fields.get("name", ""))}</wp:post_name>
		<wp:status>{cdata(fields["status"])}</wp:status>
		<wp:post_parent>{fields.get("parent", "0")}</wp:post_parent>
		<wp:menu_order>0</wp:menu_order>
		<wp:post_type>{cdata(fields["type"])}</wp:post_type>
		<wp:post_password>{cdata("")}</wp:post_password>
		<wp:is_sticky>0</wp:is_sticky>{extra}
	</item>"""


def posts(rng: random.Random, count: int) -> Iterator[str]:
    for n in range(1, count + 1):
        post_id = 1000 + n
        condition, angle = rng.choice(CONDITIONS), rng.choice(ANGLES)
        title = f"{condition}: {angle} ({n})"
        image_id = 100_000 + n
        image = None
        if rng.random() < 0.5:
            image = f"{SITE}/wp-content/uploads/2022/01/exercise-{n}-1024x683.jpg"
            yield item(
                {
                    "title": f"exercise-{n}",
                    "link": f"{SITE}/exercise-{n}/",
                    "guid": f"{SITE}/wp-content/uploads/2022/01/exercise-{n}.jpg",
                    "author": rng.choice(AUTHORS)[0],
                    "id": str(image_id),
                    "date": "2022-01-03 09:00:00",
                    "status": "inherit",
                    "type": "attachment",
                    "parent": str(post_id),
                },
                extra=(
                    f"\n\t\t<wp:attachment_url>{cdata(image.replace('-1024x683', ''))}"
                    "</wp:attachment_url>"
                    + meta("_wp_attached_file", f"2022/01/exercise-{n}.jpg")
                    + meta("_wp_attachment_image_alt", f"Exercise {n}")
                ),
            )
        blocks = rng.random() < 0.4
        study = None if blocks or rng.random() >= 0.5 else rng.choice(FAMILIES)
        if blocks:
            body = block_body(rng, image_id, image)
        else:
            body = classic_body(rng, image_id, image, study)
        if study:
            body += "\n\n" + source_line(rng, study, n)
        elif not blocks and rng.random() < 0.25:
            body += (
                "\n\n<h2>References and Further Reading</h2>\n<ol>\n"
                f"\t<li>Exercise therapy for {condition.lower()}:</li>\n"
                f"\t<li>Living well with {condition.lower()}:</li>\n</ol>"
            )
        if rng.random() < 0.5:
            body += "\n\n" + (PACKET_BLOCKS if blocks else PACKET)
        if rng.random() < 0.4:
            body += "\n\n" + (f"<!-- wp:html -->\n{OPTIN}\n<!-- /wp:html -->" if blocks else OPTIN)
        slug, name = rng.choice(CATEGORIES)
        terms = f'\n\t\t<category domain="category" nicename="{slug}">{cdata(name)}</category>'
        for tag in rng.sample(TAGS, rng.randint(1, 3)):
            terms += (
                f'\n\t\t<category domain="post_tag" nicename="{tag.lower()}">{cdata(tag)}'
                "</category>"
            )
        extra = terms + meta("_edit_last", "1")
        if image:
            extra += meta("_thumbnail_id", str(image_id))
        extra += comments(rng, n)
        yield item(
            {
                "title": title,
                "link": f"{SITE}/?p={post_id}",
                "guid": f"{SITE}/?p={post_id}",
                "author": rng.choice(AUTHORS)[0],
                "id": str(post_id),
                "date": f"2022-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 09:00:00",
                "status": rng.choice(STATUSES),
                "type": "page" if n % 10 == 0 else "post",
                "name": f"post-{n}",
                "excerpt": paragraph(rng) if rng.random() < 0.3 else "",
            },
            body,
            extra,
        )


def write(out: TextIO, count: int, seed: int) -> None:
    rng = random.Random(seed)
    out.write(
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<!-- generator="WordPress/6.4.3" created="2024-03-05 10:12" -->\n'
        '<rss version="2.0"\n\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '\txmlns:wp="http://wordpress.org/export/1.2/"\n>\n<channel>\n'
        f"\t<title>Bench Clinic</title>\n\t<link>{SITE}</link>\n"
        "\t<language>en-GB</language>\n\t<wp:wxr_version>1.2</wp:wxr_version>\n"
        f"\t<wp:base_site_url>{SITE}</wp:base_site_url>\n"
    )
    for number, (login, display) in enumerate(AUTHORS, start=1):
        out.write(
            f"\t<wp:author><wp:author_id>{number}</wp:author_id><wp:author_login>{cdata(login)}"
            f"</wp:author_login><wp:author_email>{cdata(f'{login}@bench-clinic.example')}"
            f"</wp:author_email><wp:author_display_name>{cdata(display)}"
            "</wp:author_display_name></wp:author>\n"
        )
    for number, (slug, name) in enumerate(CATEGORIES, start=1):
        out.write(
            f"\t<wp:category><wp:term_id>{number}</wp:term_id><wp:category_nicename>"
            f"{cdata(slug)}</wp:category_nicename><wp:cat_name>{cdata(name)}</wp:cat_name>"
            "</wp:category>\n"
        )
    for text in posts(rng, count):
        out.write(text)
    for n in range(10):
        out.write(
            item(
                {
                    "title": f"Menu {n}",
                    "link": f"{SITE}/?p={90 + n}",
                    "guid": f"{SITE}/?p={90 + n}",
                    "author": "clinic",
                    "id": str(90 + n),
                    "date": "2021-01-01 00:00:00",
                    "status": "publish",
                    "type": "nav_menu_item",
                },
                extra=meta("_menu_item_type", "custom"),
            )
        )
    out.write("\n</channel>\n</rss>\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--out", type=Path, help="where to write it (default: standard output)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.out is None:
        write(sys.stdout, args.posts, args.seed)
        return
    with args.out.open("w", encoding="utf-8") as out:
        write(out, args.posts, args.seed)
    print(f"{args.out}: {args.posts} posts, {args.out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
