"""Stage 4: group sentences into overlapping windows for retrieval, never cutting a sentence."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .segment import Sentence


@dataclass(frozen=True)
class Chunk:
    """Sentences ``first .. last - 1`` (indexes into the index's sentence list) of one document.

    ``start`` and ``end`` are the character span in the document from the first sentence's
    start to the last one's end.
    """

    doc_id: str
    first: int
    last: int
    start: int
    end: int

    def to_dict(self) -> dict:
        return asdict(self)


def make_chunks(sentences: list[Sentence], size: int, overlap: int, max_chars: int) -> list[Chunk]:
    """Windows of up to ``size`` sentences and ``max_chars`` characters, sharing ``overlap``.

    ``sentences`` is the whole index's list; windows never cross documents.
    """
    chunks: list[Chunk] = []
    i = 0
    while i < len(sentences):
        doc = sentences[i].doc_id
        j = i + 1
        while (
            j < len(sentences)
            and j - i < size
            and sentences[j].doc_id == doc
            and sentences[j].end - sentences[i].start <= max_chars
        ):
            j += 1
        chunks.append(Chunk(doc, i, j, sentences[i].start, sentences[j - 1].end))
        if j >= len(sentences) or sentences[j].doc_id != doc:
            i = j
        else:
            i = max(i + 1, j - overlap)
    return chunks


def chunk_text(chunk: Chunk, sentences: list[Sentence]) -> str:
    """What is embedded for a chunk: its sentences joined, without the noise between them."""
    return " ".join(s.text for s in sentences[chunk.first : chunk.last])
