from citeqa.chunk import make_chunks
from citeqa.segment import Sentence


def _sentences(doc, n, length=50, offset=0):
    return [
        Sentence(doc, offset + i * length, offset + (i + 1) * length - 1, "x" * (length - 1), 1, "text")
        for i in range(n)
    ]


def test_windows_overlap_and_cover_every_sentence():
    sentences = _sentences("a", 10)
    chunks = make_chunks(sentences, size=4, overlap=1, max_chars=10_000)
    assert [(c.first, c.last) for c in chunks] == [(0, 4), (3, 7), (6, 10)]
    covered = {i for c in chunks for i in range(c.first, c.last)}
    assert covered == set(range(10))
    for c in chunks:  # a chunk starts and ends on sentence boundaries
        assert c.start == sentences[c.first].start and c.end == sentences[c.last - 1].end


def test_chunks_never_cross_documents_and_respect_the_char_cap():
    sentences = _sentences("a", 3) + _sentences("b", 3)
    chunks = make_chunks(sentences, size=4, overlap=1, max_chars=120)
    for c in chunks:
        assert len({s.doc_id for s in sentences[c.first : c.last]}) == 1
        assert c.end - c.start <= 120 or c.last - c.first == 1
