"""Stage 3: split content paragraphs into sentences that keep their character offsets."""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import asdict, dataclass

from .clean import paragraphs
from .load import Document

MAX_SENTENCE_CHARS = 400
# Longer paragraphs go to pysbd a window at a time; the sentences in a window's last
# WINDOW_MARGIN characters are split again with the next window.
WINDOW_CHARS, WINDOW_MARGIN = 5_000, 1_000


@dataclass(frozen=True)
class Sentence:
    """One sentence: ``document.text[start:end] == text``."""

    doc_id: str
    start: int
    end: int
    text: str
    paragraph: int
    kind: str

    def to_dict(self) -> dict:
        return asdict(self)


_local = threading.local()


def _segmenter():
    """This thread's pysbd splitter (rule-based, no data download). One per thread: a
    Segmenter keeps the text it works on in itself, so two threads sharing one (two uploads
    indexed at once) cut each other's sentences in wrong places."""
    if not hasattr(_local, "segmenter"):
        import pysbd

        _local.segmenter = pysbd.Segmenter(language="en", clean=False)
    return _local.segmenter


def split_sentences(doc: Document, max_chars: int = MAX_SENTENCE_CHARS) -> list[Sentence]:
    """The sentences of every non-noise paragraph of ``doc``, in order.

    A sentence longer than ``max_chars`` (a list, a table row, a run-on line) is cut at white
    space so that no quote grows past what a reader can check at a glance.
    """
    found = []
    for para in paragraphs(doc.text):
        if para.kind == "noise":
            continue
        for start, end in _sentence_spans(doc.text, para.start, para.end):
            for s, e in _cap_length(doc.text, start, end, max_chars):
                found.append(Sentence(doc.doc_id, s, e, doc.text[s:e], para.number, para.kind))
    return found


def context(sentences: list[Sentence], i: int, max_chars: int = 200) -> str:
    """What a reader has just read before ``sentences[i]``, to resolve its pronouns and short
    references ("Azerbaijan has denied the attack"): the previous sentence of the same document
    (a document's sentences are contiguous, as ``split_sentences`` and the index give them),
    captions passed over unless the sentence is one, cut to about ``max_chars`` at white space;
    "" for a document's first sentence."""
    s = sentences[i]
    for before in reversed(sentences[max(0, i - 50) : i]):  # 50: past any run of captions
        if before.doc_id != s.doc_id:
            break
        if s.kind == "caption" or before.kind != "caption":
            if len(before.text) <= max_chars:
                return before.text
            cut = before.text.rfind(" ", 0, max_chars)
            return before.text[: cut if cut > 0 else max_chars]
    return ""


def neighbours(sentences: list[Sentence], i: int) -> list[int]:
    """``i`` and the sentences on either side of it in its document, in order."""
    near = (t for t in (i - 1, i, i + 1) if 0 <= t < len(sentences))
    return [t for t in near if sentences[t].doc_id == sentences[i].doc_id]


def contexts(sentences: list[Sentence], max_chars: int = 200) -> list[str]:
    """``context`` of every sentence."""
    return [context(sentences, i, max_chars) for i in range(len(sentences))]


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]``, a window of a few thousand characters at a
    time: pysbd's time grows with the square of the length it is given."""
    spans = []
    while end - start > WINDOW_CHARS:
        pieces = _pysbd_spans(text, start, start + WINDOW_CHARS)
        # Pieces near the window's end may be cut short, or split inside a quotation that goes on
        # past it: those are split again with what follows.
        done = [p for p in pieces[:-1] if p[1] <= start + WINDOW_CHARS - WINDOW_MARGIN] or pieces[:-1]
        if done:
            spans += done
            start = pieces[len(done)][0]
        else:  # one sentence longer than the window: cut at white space (_cap_length cuts it anyway)
            gaps = list(re.finditer(r"\s+", text[start : start + WINDOW_CHARS]))
            cut = start + (gaps[-1].end() if gaps else WINDOW_CHARS)
            spans += _pysbd_spans(text, start, cut)
            start = cut
    return spans + _pysbd_spans(text, start, end)


def _pysbd_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]``, found by locating pysbd's pieces in order."""
    body = unwrap(text, start, end)
    spans, cursor = [], 0
    for piece in _segmenter().segment(body):
        piece = piece.strip()
        if not piece:
            continue
        at = body.find(piece, cursor)
        if at < 0:  # pysbd altered the text: keep the rest of the paragraph as one sentence
            break
        spans.append((start + at, start + at + len(piece)))
        cursor = at + len(piece)
    rest = body[cursor:].strip()
    if rest:
        at = body.find(rest, cursor)
        spans.append((start + at, start + at + len(rest)))
    return spans


# A line that starts a list item, a Markdown heading or a table row starts a new sentence.
STARTS_ITEM = re.compile(r"[ \t]*(?:[-*+•·▪●◦‣>#|]|\d{1,3}[.)](?:\s|$))")


def unwrap(text: str, start: int, end: int) -> str:
    """``text[start:end]`` with its line breaks made spaces, character for character (offsets
    stay), so that a hard-wrapped paragraph is split into sentences, not lines (pysbd ends a
    sentence at every line break). A break before a list item, or after a heading or a table
    row, stays."""
    out = list(text[start:end])
    for m in re.finditer(r"\r?\n", text[start:end]):
        at, after = start + m.start(), start + m.end()
        previous = text[text.rfind("\n", 0, at) + 1 : at].lstrip()
        if STARTS_ITEM.match(text, after) or previous.startswith(("#", "|")):
            continue
        out[m.start() : m.end()] = " " * (m.end() - m.start())
    return "".join(out)


def _cap_length(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    spans = []
    while end - start > max_chars:
        cut = max((m.start() for m in re.finditer(r"\s", text[start : start + max_chars])), default=0)
        cut = cut or _grapheme_start(text, start, max_chars)
        spans.append((start, start + cut))
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        spans.append((start, end))
    return spans


def _grapheme_start(text: str, start: int, cut: int) -> int:
    """``cut``, moved back so as not to part a character from its combining marks or joiners."""
    while cut > 1 and (unicodedata.combining(text[start + cut]) or text[start + cut] in "\u200d\ufe0f"
                       or text[start + cut - 1] == "\u200d"):  # fmt: skip
        cut -= 1
    return cut
