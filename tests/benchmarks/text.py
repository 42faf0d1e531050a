"""Norwegian- and English-like interview transcripts, written from a seeded random generator."""

from __future__ import annotations

import random
from dataclasses import dataclass

#: Non-BMP characters, so that code points and UTF-16 units differ in the corpus.
EMOJI = ("😀", "👍", "🙂")


@dataclass(frozen=True)
class Language:
    """A word list by category, sentence patterns and the speaker labels of one language."""

    code: str
    words: dict[str, tuple[str, ...]]
    patterns: tuple[tuple[str, ...], ...]
    fillers: tuple[str, ...]
    interviewers: tuple[str, ...]
    participants: tuple[str, ...]
    titles: tuple[str, ...]


NORWEGIAN = Language(
    code="nb",
    words={
        "PRON": ("jeg", "vi", "de", "det", "man", "hun", "han", "du", "folk", "lederen"),
        "NOUN": (
            "tillitsreformen", "hjemmetjenesten", "skjønn", "økonomi", "målstyring", "vedtakene",
            "brukerne", "ledelsen", "kommunen", "teamet", "rutinene", "dokumentasjonen",
            "arbeidsdagen", "pasientene", "sykepleierne", "avvik", "budsjettet", "kontroll",
            "handlingsrommet", "ansvaret", "tiden", "oppgavene", "kollegaene", "tjenesten",
            "kvaliteten", "rapporteringen", "kompetansen", "bydelen", "systemet", "endringene",
            "møtene", "hverdagen", "fagligheten", "tilliten", "prosessen", "brukermedvirkning",
            "vurderingene", "tilbakemeldingene", "pengene", "tidsstyringen", "søknadene",
            "styringen", "kravene", "målene", "tallene", "ressursene", "pårørende", "nærheten",
        ),
        "VERB": (
            "er", "var", "har", "hadde", "får", "fikk", "må", "skal", "kan", "gjør", "tror",
            "opplever", "mener", "føler", "bruker", "handler om", "styrer", "stoler på",
            "snakker om", "prøver", "ser", "tenker på", "vet om", "jobber med", "savner",
            "trenger", "ønsker", "kjenner", "endrer", "forstår", "måler", "teller",
        ),
        "ADJ": (
            "ansvarlig", "viktig", "vanskelig", "krevende", "faglig", "godt", "tydelig",
            "nødvendig", "frustrerende", "spennende", "uklart", "trygt", "slitsomt", "riktig",
            "fornuftig", "tungvint", "nytt", "annerledes", "bedre", "verre", "lettere",
        ),
        "ADV": (
            "egentlig", "kanskje", "nesten", "alltid", "aldri", "ofte", "ganske", "veldig",
            "mer", "mindre", "nå", "før", "fortsatt", "særlig", "faktisk", "bare", "også",
            "sjelden", "heldigvis", "dessverre", "litt", "mye",
        ),
        "PREP": ("i", "på", "med", "til", "for", "av", "om", "fra", "hos", "etter", "uten"),
        "CONJ": ("og", "men", "så", "fordi", "selv om", "når", "hvis", "mens"),
        "INF": ("være", "gjøre", "få", "bruke", "ta", "stole på", "forklare", "vise", "endre"),
    },
    patterns=(
        ("PRON", "VERB", "ADV", "PREP", "NOUN"),
        ("NOUN", "VERB", "ADV", "ADJ"),
        ("PRON", "VERB", "at", "NOUN", "VERB", "ADJ"),
        ("PREP", "NOUN", "VERB", "PRON", "ADV", "NOUN"),
        ("PRON", "VERB", "ikke", "NOUN", "PREP", "NOUN"),
        ("det", "er", "ADV", "ADJ", "å", "INF", "NOUN"),
        ("PRON", "må", "ADV", "INF", "NOUN", "PREP", "NOUN"),
        ("NOUN", "PREP", "NOUN", "VERB", "ADJ"),
        ("PRON", "VERB", "NOUN", "ADV"),
        ("hva", "VERB", "NOUN", "PREP", "NOUN"),
    ),
    fillers=("eh", "hm", "liksom", "altså", "ikke sant", "[latter]", "(pause)", "…"),
    interviewers=("INT", "Intervjuer", "I"),
    participants=(
        "P1", "P2", "IP1", "IP3", "Informant 4", "Kari Nordmann", "Ola Hansen",
        "Bjørn Åsmund", "Sølvi Lægreid", "Deltaker 2",
    ),
    titles=(
        "Intervju med hjemmesykepleier", "Intervju med teamleder", "Fokusgruppe i bydelen",
        "Intervju med avdelingsleder", "Samtale med tillitsvalgt", "Intervju med helsefagarbeider",
    ),
)  # fmt: skip

ENGLISH = Language(
    code="en",
    words={
        "PRON": ("I", "we", "they", "it", "you", "she", "he", "people", "the manager"),
        "NOUN": (
            "the trust reform", "home care", "discretion", "the budget", "management", "the team",
            "the users", "the municipality", "documentation", "the routines", "the patients",
            "deviations", "control", "the reports", "responsibility", "time", "the tasks",
            "colleagues", "the service", "quality", "competence", "the system", "the changes",
            "the meetings", "everyday work", "trust", "the process", "targets", "the numbers",
        ),
        "VERB": (
            "is", "was", "has", "had", "gets", "got", "must", "should", "can", "does", "think",
            "feel", "use", "trust", "talk about", "try", "see", "know", "work with", "miss",
            "need", "want", "change", "understand", "measure", "count",
        ),
        "ADJ": (
            "responsible", "important", "difficult", "demanding", "professional", "good",
            "clear", "necessary", "frustrating", "exciting", "unclear", "safe", "tiring",
            "right", "reasonable", "new", "different", "better", "worse", "easier",
        ),
        "ADV": (
            "really", "maybe", "almost", "always", "never", "often", "quite", "very", "more",
            "less", "now", "before", "still", "especially", "actually", "just", "also",
            "rarely", "luckily", "sadly", "a bit", "a lot",
        ),
        "PREP": ("in", "on", "with", "to", "for", "of", "about", "from", "at", "after"),
        "CONJ": ("and", "but", "so", "because", "although", "when", "if", "while"),
        "INF": ("be", "do", "get", "use", "take", "trust", "explain", "show", "change"),
    },
    patterns=(
        ("PRON", "VERB", "ADV", "PREP", "NOUN"),
        ("NOUN", "VERB", "ADV", "ADJ"),
        ("PRON", "VERB", "that", "NOUN", "VERB", "ADJ"),
        ("PREP", "NOUN", "PRON", "VERB", "ADV", "NOUN"),
        ("PRON", "do", "not", "VERB", "NOUN", "PREP", "NOUN"),
        ("it", "is", "ADV", "ADJ", "to", "INF", "NOUN"),
        ("PRON", "have", "to", "INF", "NOUN", "PREP", "NOUN"),
        ("what", "about", "NOUN", "PREP", "NOUN"),
    ),
    fillers=("uh", "um", "like", "you know", "[laughs]", "(pause)", "…"),
    interviewers=("INT", "Interviewer", "Q"),
    participants=("P1", "P2", "Respondent 3", "Participant 5", "Kari Nordmann", "Anna Berg"),
    titles=("Interview with a home care nurse", "Interview with a team leader", "Focus group"),
)  # fmt: skip


def sentence(rng: random.Random, language: Language) -> list[str]:
    """One sentence as words, capitalised and punctuated; sometimes with a filler or emoji."""
    words = language.words
    pattern = rng.choice(language.patterns)
    out = [rng.choice(words[slot]) if slot in words else slot for slot in pattern]
    if rng.random() < 0.25:
        clause = rng.choice(language.patterns)
        out.append(rng.choice(words["CONJ"]))
        out.extend(rng.choice(words[slot]) if slot in words else slot for slot in clause)
        out[len(pattern) - 1] += ","
    if rng.random() < 0.15:
        out.insert(rng.randrange(len(out)), rng.choice(language.fillers))
    if rng.random() < 0.05:
        index = rng.randrange(len(out))
        out[index] = f"«{out[index]}»"
    out[0] = out[0][:1].upper() + out[0][1:]
    out[-1] += rng.choices((".", "?", "!", " …"), weights=(80, 10, 5, 5))[0]
    if rng.random() < 0.01:
        out.append(rng.choice(EMOJI))
    return out


def paragraph(rng: random.Random, language: Language, low: int, high: int) -> tuple[str, int]:
    """A paragraph of ``low`` to ``high`` words (give ``high - low`` of 25 or more)."""
    target = rng.randint(low, high)
    words: list[str] = []
    count = 0
    while count < target:
        more = sentence(rng, language)
        size = sum(len(word.split()) for word in more)
        if count + size > high and count >= low:
            break
        words.extend(more)
        count += size
    return " ".join(words), count


def transcript(rng: random.Random, language: Language, title: str, words: int) -> str:
    """An interview transcript of about ``words`` words in speaker turns, normalised.

    Lines have no trailing whitespace and the text has no final line end, which is what the
    importer's clean-up produces, so offsets into this text are offsets into the project's.
    """
    interviewer = rng.choice(language.interviewers)
    count = rng.choice((1, 1, 1, 2, 3))
    start = rng.randrange(len(language.participants) - count + 1)
    participants = language.participants[start : start + count]
    blank_lines = rng.random() < 0.5
    lines = [title, ""]
    total = 0
    while total < words:
        question, size = paragraph(rng, language, 6, 35)
        lines.append(f"{interviewer}: {question}")
        total += size
        speaker = rng.choice(participants)
        for index in range(rng.choice((1, 1, 1, 2))):
            answer, size = paragraph(rng, language, 40, 200)
            lines.append(f"{speaker}: {answer}" if index == 0 else answer)
            total += size
        if blank_lines:
            lines.append("")
    return "\n".join(lines).rstrip()
