"""Stage 2: mark what in a raw document is content, without rewriting a character.

Scraped articles carry markers (``[ad_1]``), headings repeated by the page template, photo
captions and footers. Rather than producing a cleaned copy (whose offsets would no longer match
the file), this stage returns paragraphs as character spans of the original text, each with a
kind. Noise paragraphs are never quoted; captions are content (they often carry facts the body
does not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKER = re.compile(r"^\[[A-Za-z][\w-]*\]$")
FOOTER = re.compile(
    r"(?i)^(see|watch|read|follow|sign up|subscribe|share)\b.{0,60}"
    r"\b(videos?|newsletter|most (viewed|read)|on (twitter|facebook|instagram)|more)\W*$"
)
CAPTION = re.compile(r"(?i)[–—-]\s*(photo|image|picture|video|credit)s?\s*:|^(photo|image)\s*:")
BULLET = re.compile(r"^[\s•·*▪●◦‣>#-]+")


@dataclass(frozen=True)
class Paragraph:
    """A span ``text[start:end]`` of the original text and what it is.

    ``kind`` is "title" (the first content paragraph), "heading" (a later short line without
    closing punctuation), "text", "caption" or "noise".
    """

    start: int
    end: int
    kind: str
    number: int


def paragraphs(text: str) -> list[Paragraph]:
    """Split ``text`` into paragraphs (runs of non-blank lines) and mark their kind."""
    found: list[Paragraph] = []
    seen: set[str] = set()
    for start, end in _line_runs(text):
        body = text[start:end]
        lead = BULLET.match(body)
        if lead and lead.end() < len(body):
            start += lead.end()
            body = text[start:end]
        key = " ".join(body.split()).casefold()
        if MARKER.match(body) or FOOTER.match(body) or key in seen:
            kind = "noise"
        elif CAPTION.search(body):
            kind = "caption"
        elif not any(p.kind != "noise" for p in found):
            kind = "title"
        elif len(body) <= 100 and not re.search(r"[\n:]", body) and not re.search(r"[.!?:;\"”’)]$", body):
            kind = "heading"
        else:
            kind = "text"
        seen.add(key)
        found.append(Paragraph(start, end, kind, len(found) + 1))
    return found


def _line_runs(text: str) -> list[tuple[int, int]]:
    """Spans of maximal runs of non-blank lines, trimmed of surrounding white space.

    A marker line such as ``[ad_1]`` is a run of its own even without blank lines around it.
    """
    runs: list[tuple[int, int]] = []
    run_start = run_end = None
    for m in re.finditer(r"[^\n]*\n?", text):
        line = m.group().rstrip("\r\n")
        if not m.group():
            break
        stripped = line.strip()
        if not stripped or MARKER.match(stripped):
            if run_start is not None:
                runs.append((run_start, run_end))
                run_start = None
            if stripped:
                lead = len(line) - len(line.lstrip())
                runs.append((m.start() + lead, m.start() + lead + len(stripped)))
            continue
        lead = len(line) - len(line.lstrip())
        if run_start is None:
            run_start = m.start() + lead
        run_end = m.start() + len(line.rstrip())
    if run_start is not None:
        runs.append((run_start, run_end))
    return runs
