import unicodedata

from citeqa.load import Document
from citeqa.segment import contexts, split_sentences


def test_article_sentences_map_back_to_the_raw_text(article_text):
    sentences = split_sentences(Document("a", article_text))
    assert len(sentences) > 20
    for s in sentences:
        assert article_text[s.start : s.end] == s.text
    assert not any("[ad_" in s.text or "most viewed" in s.text for s in sentences)
    assert sum(s.kind == "caption" for s in sentences) == 3


def test_abbreviations_initials_decimals_and_quotes():
    text = (
        'Mr. J. R. Smith paid $3.50 for it at 9 a.m. on Jan. 5. He said "Go home!" '
        "Then he left the U.S. for good. Dr. Who agreed."
    )
    got = [s.text for s in split_sentences(Document("d", text))]
    assert got[0] == "Mr. J. R. Smith paid $3.50 for it at 9 a.m. on Jan. 5."
    assert got[-1] == "Dr. Who agreed."
    assert 'He said "Go home!"' in got


def test_long_run_on_lines_are_cut_at_spaces():
    text = " ".join(["word"] * 400)
    sentences = split_sentences(Document("d", text), max_chars=100)
    assert all(len(s.text) <= 100 for s in sentences)
    assert " ".join(s.text for s in sentences) == text


def test_a_long_paragraph_is_split_as_it_would_be_whole():
    """Paragraphs past WINDOW_CHARS go to pysbd a window at a time; no sentence may change,
    even where a window ends inside "Mr. J. R. Smith" or a quotation."""
    text = (
        'Mr. J. R. Smith paid $3.50 for it at 9 a.m. on Jan. 5. He said "Go home!" '
        "Then he left the U.S. for good. Dr. Who agreed. "
    )
    one = [s.text for s in split_sentences(Document("d", text))]
    long = Document("d", text * 300)  # 37,500 characters, one paragraph
    sentences = split_sentences(long)
    assert [s.text for s in sentences] == one * 300
    assert all(long.text[s.start : s.end] == s.text for s in sentences)


def test_a_quotation_across_a_window_edge_stays_whole():
    filler = "The river rose all week. " * 198  # 4,950 characters: the 5,000th is in the quotation
    said = 'He said, "We left at dawn. The water was rising. We waited for hours." Then he left.'
    got = [s.text for s in split_sentences(Document("d", filler + said))]
    assert got[-2:] == [s.text for s in split_sentences(Document("d", said))]


def test_a_cut_without_white_space_keeps_accents_and_emoji_whole():
    text = "e\u0301" * 150 + "👩\u200d👩\u200d👧" * 40  # é as e + combining accent; a family emoji
    sentences = split_sentences(Document("d", text), max_chars=101)
    assert "".join(s.text for s in sentences) == text
    for s in sentences[:-1]:
        following = text[s.end]
        assert not unicodedata.combining(following) and following != "\u200d" and text[s.end - 1] != "\u200d"


def test_each_sentence_is_read_after_the_one_before_it():
    text = (
        "Shelling hit the cathedral. Azerbaijan has denied the attack.\n\n"
        "Photo: the cathedral after the shelling (AFP)\n\nTwo journalists were hurt.\n\n"
        + "Long " * 60
        + "end."
    )
    sentences = split_sentences(Document("a", text)) + split_sentences(Document("b", "Other. Document."))
    got = dict(zip([s.text for s in sentences], contexts(sentences, max_chars=50), strict=True))
    assert got["Shelling hit the cathedral."] == ""  # a document's first sentence
    assert got["Azerbaijan has denied the attack."] == "Shelling hit the cathedral."
    assert [s.kind for s in sentences][2] == "caption"
    assert got["Photo: the cathedral after the shelling (AFP)"] == "Azerbaijan has denied the attack."
    assert got["Two journalists were hurt."] == "Azerbaijan has denied the attack."  # captions passed over
    assert got["Long " * 59 + "Long end."] == "Two journalists were hurt."
    assert got["Other."] == ""  # nothing carries over from another document
    assert got["Document."] == "Other."
    cut = contexts([*sentences[:5], sentences[4]], max_chars=50)[-1]
    assert cut == "Long " * 9 + "Long" and len(cut) <= 50  # cut at white space


WRAPPED = """The River Aire

The Aire is a river in Yorkshire. Its largest tributary is the Calder, which joins it near the old
town of Castleford. Salmon returned to the river in 2004, after the paper factory
upstream closed.

Towns on it:
- Leeds
- Castleford, where the Calder
  joins it
1. Goole

# Heading
Body text.
| a | b |
| 1 | 2 |
"""


def test_a_hard_wrapped_paragraph_is_split_into_sentences_not_lines():
    doc = Document("river.txt", WRAPPED)
    texts = [s.text for s in split_sentences(doc)]
    assert "Its largest tributary is the Calder, which joins it near the old\ntown of Castleford." in texts
    assert "Salmon returned to the river in 2004, after the paper factory\nupstream closed." in texts
    # list items, a heading and table rows keep their own lines; a list item's own wrap is joined
    for line in ("- Leeds", "- Castleford, where the Calder\n  joins it", "1. Goole", "Heading", "Body text.",
                 "| a | b |", "| 1 | 2 |"):  # fmt: skip
        assert line in texts
    for s in split_sentences(doc):
        assert doc.text[s.start : s.end] == s.text


def test_threads_splitting_at_once_get_the_sentences_of_one_alone(article_text):
    """Two uploads are indexed at once in the app: each must be split as if alone."""
    from concurrent.futures import ThreadPoolExecutor

    def text(n: int) -> str:  # eight copies of the article, each a little different
        return "\n\n".join(article_text.replace("Putin", f"Putin{k}") for k in range(n, n + 8))

    docs = [Document(f"{n}.txt", text(n)) for n in range(4)]
    alone = [split_sentences(d) for d in docs]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            assert list(pool.map(split_sentences, docs)) == alone
