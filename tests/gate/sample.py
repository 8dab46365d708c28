"""A long article for measuring the gate (tests/gate/test_performance.py, bench/gate.py): about
10,000 words of patient-education prose with headings, lists, citation markers spread over every
cited source, author attributions, claims with and without citations, and research phrases, so
every check has work to do (each part ends with an uncited claim and a vague "studies have
shown", so the claim, vague-source and override paths run too)."""

from __future__ import annotations

PARAGRAPHS = (
    "Knee osteoarthritis is common after the age of fifty, and most people manage it well with "
    "exercise, weight control and simple pain relief.{m} The cartilage that covers the ends of "
    "the bones becomes thinner, and the joint can feel stiff in the morning or after sitting for "
    "a long time. Smith et al. followed several hundred patients for five years and described how "
    "symptoms change over time.{m}",
    "Walking, cycling and swimming strengthen the muscles around the knee without loading the "
    "joint too much. Physiotherapists can show you exercises to do at home, and most people notice "
    "a difference within six to eight weeks.{m} If a movement hurts sharply, stop and ask for "
    "advice before you try it again.",
    "Some clinics offer injections of platelet-rich plasma or stem cells. Injections of this kind "
    "reduce pain in some trials.{m} Other trials found no difference from a placebo injection, and "
    "the treatments are expensive and not covered by most insurers. Ask what the evidence is, and "
    "how much it will cost, before you agree to any injection.",
    "Pain medicines such as paracetamol and anti-inflammatory gels help many people on bad days."
    "{m} Tablets of the anti-inflammatory kind can upset the stomach and raise blood pressure, so "
    "talk to your pharmacist about what suits you. Research shows that losing even a little "
    "weight takes pressure off the knee.{m}",
    "Some websites say that stem cell injections regenerate cartilage. Studies have shown many "
    "things over the years, so ask which study a claim comes from.",
)


def sample_body(citations: int, words: int = 10_000) -> str:
    """HTML of about `words` words whose markers cite keys s1…s<citations> in turn."""
    parts: list[str] = []
    count = 0
    key = 0
    section = 0

    def marker() -> str:
        nonlocal key
        key = key % citations + 1
        return f'<sup data-citation="s{key}">{key}</sup>'

    while count < words:
        section += 1
        parts.append(f"<h2>Part {section}: living with knee pain</h2>")
        for paragraph in PARAGRAPHS:
            text = paragraph.replace("{m}", "{}")
            filled = text.format(*(marker() for _ in range(text.count("{}"))))
            parts.append(f"<p>{filled}</p>")
            count += len(paragraph.split())
        parts.append(
            "<ul><li>Keep moving every day.</li><li>Build up slowly.</li>"
            "<li>Ask for help when pain stops you sleeping.</li></ul>"
        )
        count += 15
    return "".join(parts)
