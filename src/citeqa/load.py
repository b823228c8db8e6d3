"""Stage 1: read documents from disk (.txt, .md, .html) as exact Unicode text."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

from .errors import DocumentError

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
MAX_BYTES = 20_000_000


@dataclass(frozen=True)
class Document:
    """A document's id, its exact text (citation offsets index it) and where it came from."""

    doc_id: str
    text: str
    source: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "text": self.text, "source": self.source}


def load_path(path: str | Path) -> Document:
    """Read one file into a Document whose id is the file name.

    Raises:
        DocumentError: the file is missing, of an unsupported type, not UTF-8 text, or empty.
    """
    path = Path(path)
    if path.is_dir():
        raise DocumentError(f"{path} is a folder; give the files in it (e.g. {path}/*.txt)")
    if not path.is_file():
        raise DocumentError(f"{path}: no such file")
    if path.suffix.lower() not in SUFFIXES:
        raise DocumentError(
            f"{path}: unsupported file type {path.suffix or '(none)'!r}; citeqa reads {', '.join(SUFFIXES)}"
        )
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise DocumentError(f"{path}: {len(data):,} bytes is over the {MAX_BYTES:,}-byte limit")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DocumentError(f"{path}: UTF-16 text; save it as UTF-8 and try again")
    if b"\x00" in data:
        raise DocumentError(f"{path}: this is a binary file, not text")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DocumentError(
            f"{path}: not UTF-8 text (byte {e.start}); save it as UTF-8 and try again"
        ) from None
    text = html_to_text(raw) if path.suffix.lower() in (".html", ".htm") else raw
    if not text.strip() and raw.strip():
        raise DocumentError(f"{path}: no readable text found in this page (is its text written by scripts?)")
    if not text.strip():
        raise DocumentError(f"{path}: the document is empty")
    return Document(doc_id=path.name, text=text, source=str(path))


def load_paths(paths) -> list[Document]:
    """``load_path`` of each of ``paths``. Files of the same name in different folders are told
    apart by as many of their folders as it takes ("june/notes.txt", "july/notes.txt").

    Raises:
        DocumentError: as ``load_path``, or a file is given twice.
    """
    docs = [load_path(p) for p in paths]
    parts = [Path(os.path.abspath(d.source)).parts for d in docs]
    for name in {d.doc_id for d in docs}:
        same = [i for i, d in enumerate(docs) if d.doc_id == name]
        if len(same) == 1:
            continue
        if len({parts[i] for i in same}) < len(same):
            raise DocumentError(f"{name} is given twice")
        for i in same:
            depth = 2  # the folder it is in, and more while another has the same
            while any(parts[j][-depth:] == parts[i][-depth:] for j in same if j != i):
                depth += 1
            docs[i] = replace(docs[i], doc_id="/".join(parts[i][-depth:]))
    return docs


_SKIP = {
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "svg",
    "textarea",
    "button",
    "select",
    "iframe",
    "head",
}
_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",  # when it is kept: an <article>'s or <section>'s own
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "figure",
    "figcaption",
    "title",
    "dd",
    "dt",
    "hr",
}


_CONTENT = ("article", "main", "section")
# What may stand in <head>; anything else there means the page left <head> without closing it.
_HEAD_ONLY = {"title", "meta", "link", "style", "script", "base", "noscript", "template"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []  # the open elements whose text is dropped
        self.in_title = False
        self.in_content = 0  # open <article>, <main>, <section>: a <header> there is their own

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "body" or (self.skipping[-1:] == ["head"] and tag not in _HEAD_ONLY):
            self._close("head")  # an omitted </head>, as browsers read it
        self.in_title = self.in_title or tag == "title"
        self.in_content += tag in _CONTENT
        if tag == "br":
            self.parts.append("\n")  # a line break inside the paragraph, not a new one
        elif tag in _SKIP and not (tag == "header" and self.in_content):
            self.skipping.append(tag)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)
        if tag != "br":  # "<br/>" is one line break; "</br>" alone is another
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        self.in_title = self.in_title and tag != "title"
        self.in_content = max(0, self.in_content - (tag in _CONTENT))
        if tag == "br":
            self.parts.append("\n")  # "</br>", which browsers read as <br>
        elif tag in self.skipping:
            self._close(tag)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def _close(self, tag: str) -> None:
        """Close the innermost open ``tag`` and whatever was left open inside it."""
        if tag in self.skipping:
            del self.skipping[len(self.skipping) - 1 - self.skipping[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if self.skipping[-1:] == ["head"] and data.strip() and not self.in_title:
            self._close("head")  # text straight in <head> starts the body
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML page: one paragraph per block, scripts and navigation dropped."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
