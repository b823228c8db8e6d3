"""Stage 9: the answer: the chosen sentences quoted verbatim with numbered citations, or a
plain statement that the documents do not answer."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from .segment import Sentence

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")
# A text that starts like a list item ("- Mars", "2020. A year") would be shown as one.
BULLET, NUMBERED = re.compile(r"^([-+])(?=\s|$)"), re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


@dataclass(frozen=True)
class Citation:
    """Quote ``quote`` is ``document(doc_id).text[start:end]``; ``number`` is its marker [n]."""

    number: int
    doc_id: str
    quote: str
    start: int
    end: int
    score: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """What the assistant says: Markdown ``text`` with markers [1], [2] matching ``citations``.

    ``abstained`` is True when the documents do not answer; ``confidence`` is the estimated
    probability that they do; ``query`` is what was searched (the standalone rewrite of a
    follow-up question).
    """

    question: str
    text: str
    citations: tuple[Citation, ...] = field(default_factory=tuple)
    abstained: bool = False
    confidence: float = 0.0
    query: str = ""

    def turn(self) -> list[dict]:
        """This question and answer as chat messages, to add to the ``history`` of the next."""
        return [{"role": "user", "content": self.question}, {"role": "assistant", "content": self.text}]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["citations"] = [c.to_dict() for c in self.citations]
        return d


def escape_markdown(text: str) -> str:
    """``text`` shown literally by a Markdown renderer (no links, HTML or emphasis)."""
    escaped = MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return NUMBERED.sub(r"\1\\\2", BULLET.sub(r"\\\1", escaped))


def quoted(question: str, picks: list[tuple[Sentence, float]], confidence: float, query: str) -> Answer:
    citations = tuple(
        Citation(n, s.doc_id, s.text, s.start, s.end, round(float(score), 4))
        for n, (s, score) in enumerate(picks, start=1)
    )
    lines = [f"> {escape_markdown(c.quote)} [{c.number}]" for c in citations]
    return Answer(question, "\n>\n".join(lines), citations, False, round(confidence, 4), query)


DECLINED = ("The article does not say", "The documents do not say")  # how an abstention begins


def abstention(question: str, confidence: float, query: str, documents: int) -> Answer:
    subject = DECLINED[documents != 1]
    text = f"{subject}: nothing in {'it' if documents == 1 else 'them'} answers this question."
    return Answer(question, text, (), True, round(confidence, 4), query)
