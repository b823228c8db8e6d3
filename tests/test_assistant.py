import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import ARTICLE, EVAL_SET, assert_citations_exact

from citeqa import Assistant, CorruptIndexError, DocumentError, QuestionError, StaleIndexError
from citeqa.errors import IndexNotFoundError
from citeqa.followup import queries, spell_out_one
from citeqa.settings import Settings


def test_answers_quote_the_article_exactly(assistant):
    answer = assistant.ask("Who did Putin invite to Moscow?")
    assert not answer.abstained
    assert "the Armenian and Azerbaijani foreign ministers" in answer.citations[0].quote
    assert_citations_exact(assistant, answer)
    assert 1 <= len(answer.citations) <= 3
    assert all(len(c.quote) <= 400 for c in answer.citations)


def test_every_eval_question_keeps_the_invariant(assistant):
    rows = [json.loads(line) for line in EVAL_SET.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        answer = assistant.ask(row["question"])
        assert_citations_exact(assistant, answer)
        assert answer.abstained == (not answer.citations)


def test_scraper_noise_is_never_quoted(assistant):
    for q in ("See the most viewed videos", "ad_1", "What are G1's most viewed videos?"):
        for c in assistant.ask(q).citations:
            assert "[ad_" not in c.quote and "most viewed" not in c.quote


def test_captions_are_searchable(assistant):
    answer = assistant.ask("What was found on a balcony in Stepanakert?")
    assert "remains of a missile" in answer.citations[0].quote


def test_the_headline_is_lowered_when_the_story_says_as_much_and_lifted_when_asked_about(assistant):
    """A headline gets a heading's prior (-1) only when a candidate of the story holds as much of
    the question's words (it often holds the one statement of a fact); a question about it lifts
    it as much."""
    title = assistant.index.sentences[0]
    assert title.kind == "title" and assistant.headlines[0] and assistant.headlines.sum() == 1
    linear = Assistant(assistant.index, Settings(rerank_candidates=0), assistant.encoder)

    def prior_of_title(question):
        (query,) = queries(question, None)
        signals, X, scores, _ = linear.rank(question, query, linear.encoder.encode([query.text])[0])
        at = list(signals.candidates).index(0)
        return scores[at] - linear.ranker(X)[at]

    assert prior_of_title("What does the headline say Putin wants the ministers to do?") == pytest.approx(1.0)
    assert prior_of_title("What does Putin want the ministers to do?") == pytest.approx(-1.0)  # the lead too
    assert prior_of_title("Whom does Putin call on to start talks?") == pytest.approx(
        0.0
    )  # the headline only
    answer = assistant.ask("What does the headline say Putin wants the foreign ministers to do?")
    assert answer.citations[0].quote == title.text
    assert_citations_exact(assistant, answer)


def test_a_headline_the_story_repeats_is_quoted_after_it_and_one_it_does_not_first(assistant, encoder):
    answer = assistant.ask(
        "What have the calls for a truce achieved?"
    )  # the headline: "calls for a ceasefire"
    assert "to no avail" in answer.citations[0].quote
    assert_citations_exact(assistant, answer)
    storm = (
        "Storm Ciara: two dead as 90 mph winds batter Britain\n\n"
        "Strong winds brought down trees and power lines across the country on Sunday.\n\n"
        "A man died when a tree fell on his car in Hampshire, police said on Monday.\n\n"
        "More than 500,000 homes lost power at the height of the storm.\n"
    )
    news = Assistant.from_texts({"storm.txt": storm}, encoder=encoder)
    answer = news.ask("How many people died in Storm Ciara?")  # only the headline says two
    assert answer.citations[0].quote.startswith("Storm Ciara: two dead")
    assert_citations_exact(news, answer)
    award = (
        "Leeds teacher Jane Okafor wins national award\n\n"
        "A teacher from Leeds has won the national award for science teaching.\n\n"
        "The prize was given in London on Friday.\n"
    )
    news = Assistant.from_texts({"award.txt": award}, encoder=encoder)
    assert not news.repeated[0]  # the story never names her
    answer = news.ask("What is the name of the teacher who won the award?")
    assert any("Jane Okafor" in c.quote for c in answer.citations)
    assert_citations_exact(news, answer)


@pytest.mark.parametrize(
    "question, asked",
    [
        ("According to the headline, what does Putin want?", True),
        ("What does this headline mean?", True),
        ("What is the title of the article?", True),
        ("What is the story's headline?", True),
        ("Which attack made headlines around the world?", False),
        ("What title does Ilham Aliev hold?", False),
    ],
)
def test_a_question_about_the_headline(question, asked):
    from citeqa.assistant import HEADLINE_ASKED

    assert bool(HEADLINE_ASKED.search(question)) is asked


@pytest.mark.parametrize(
    "question, gist",
    [
        ("What is the headline?", False),
        ("What's the title of this story?", False),
        ("What does the headline say?", False),
        ("What is this article about?", True),
        ("Summarize the story.", True),
        ("What is the main point of the article?", True),
    ],
)
def test_a_question_about_the_article_itself_quotes_its_headline_and_lead(assistant, question, gist):
    """Searched, these were refused (0.17 to 0.20) or quoted a caption."""
    answer = assistant.ask(question)
    assert not answer.abstained and answer.confidence == 1.0
    assert answer.citations[0].quote.startswith("Putin calls for a ceasefire in Nagorno-Karabakh")
    assert len(answer.citations) == (2 if gist else 1)
    if gist:
        assert answer.citations[1].quote.startswith("Russian President Vladimir Putin invited")
    assert_citations_exact(assistant, answer)


@pytest.mark.parametrize(
    "question",
    [
        "What does the headline say Putin wants the ministers to do?",  # about what it says: searched
        "What was the title of the treaty?",
        "What is the story about the cathedral?",
    ],
)
def test_other_questions_about_titles_are_searched(assistant, question):
    assert assistant.about_the_document(question) == []


def test_a_question_about_the_article_itself_is_searched_among_several_documents_or_without_headline(encoder):
    text = "The Normans were a people. They came from Normandy.\n\nThey spoke French."
    several = Assistant.from_texts({"a.txt": text, "b.txt": "Rollo led the Vikings."}, encoder=encoder)
    assert several.about_the_document("What is this article about?") == []
    one = Assistant.from_texts({"a.txt": text}, encoder=encoder)
    assert one.about_the_document("What is the headline?") == []  # two sentences: no headline
    assert [s.text for s in one.about_the_document("What is this article about?")] == [
        "The Normans were a people."
    ]


def test_the_report_a_document_tells_of_is_searched_not_taken_for_the_document(encoder):
    text = "River unsafe, council says\n\nThe council published a report on Monday. It found it unsafe."
    assistant = Assistant.from_texts({"a.txt": text}, encoder=encoder)
    assert assistant.about_the_document("What is the report about?") == []
    for question in ("What is this report about?", "What is the article about?", "What is the headline?"):
        assert assistant.about_the_document(question)[0].text == "River unsafe, council says"


def test_a_first_paragraph_of_several_sentences_is_no_headline(encoder):
    text = "Lighthouses guide ships. They stand on coasts.\n\nMost are automated now."
    assistant = Assistant.from_texts({"a.txt": text}, encoder=encoder)
    assert assistant.index.sentences[0].kind == "title" and not assistant.headlines.any()
    headed = Assistant.from_texts({"b.txt": "Lighthouses\n\n" + text}, encoder=encoder)
    assert list(headed.headlines) == [True, False, False, False]


def test_off_topic_question_abstains(assistant):
    answer = assistant.ask("What is the boiling point of mercury?")
    assert answer.abstained and not answer.citations
    assert answer.text.startswith("The article does not say")


def test_a_question_that_inverts_its_best_passage_abstains(assistant):
    assert not assistant.ask("Who did Putin invite to Moscow?").abstained
    answer = assistant.ask("Who did Putin not invite to Moscow?")  # the article names no one left out
    assert answer.abstained and not answer.citations and answer.confidence == 0.0


def test_a_question_about_a_year_the_article_never_names_abstains(assistant):
    answer = assistant.ask("How many people fled their homes in 1995?")  # the article: some 70,000, now
    assert answer.abstained and not answer.citations and answer.confidence == 0.0
    assert not assistant.ask("How many people fled their homes?").abstained
    assert assistant.ask("What happened on October 7, 2020?").confidence > 0.0  # a year it names


def test_a_question_about_a_year_its_best_passage_lacks_abstains(assistant):
    """The article's Soviet Union lasted from 1922 to 1991; 2020 is elsewhere in it."""
    answer = assistant.ask("Who belonged to the Soviet Union in 2020?")
    assert answer.abstained and not answer.citations and answer.confidence == 0.0
    assert not assistant.ask("Who belonged to the Soviet Union?").abstained
    # 2020 is only in a caption, and the sentence that answers names no other year
    assert not assistant.ask("Who did Putin invite to Moscow in October 2020?").abstained
    assert not assistant.ask("What did the Soviet Union do in 1922?").abstained  # "(1922-1991)"
    # the journalists' sentence names no year; only the one after it ("the war ... in the 1990s")
    answer = assistant.ask("Who was injured in 2020?")
    assert not answer.abstained and "journalists were injured" in answer.citations[0].quote
    assert_citations_exact(assistant, answer)


def test_a_question_asking_in_what_year_abstains_when_its_best_passage_names_none(assistant):
    answer = assistant.ask("In what year was Lavrov appointed foreign minister?")  # the article does not say
    assert answer.abstained and not answer.citations and answer.confidence == 0.0
    answer = assistant.ask("In what year did the Soviet Union end?")
    assert not answer.abstained and "1991" in answer.citations[0].quote
    assert_citations_exact(assistant, answer)


def test_follow_up_uses_history(assistant):
    first = assistant.ask("Who did Putin invite to Moscow?")
    history = [
        {"role": "user", "content": "Who did Putin invite to Moscow?"},
        {"role": "assistant", "content": first.text},
    ]
    answer = assistant.ask("And who will receive the Armenian one?", history=history)
    assert "Sergei Lavrov" in answer.citations[0].quote
    assert_citations_exact(assistant, answer)
    assert "Putin" in answer.query  # the standalone query carries the earlier question
    history += [
        {"role": "user", "content": "And who will receive the Armenian one?"},
        {"role": "assistant", "content": answer.text},
    ]
    third = assistant.ask("Where was the Azerbaijani one?", history=history)
    assert "Geneva" in third.citations[0].quote  # "one" is the foreign minister of turn 1's answer
    assert "the Azerbaijani foreign minister?" in third.query
    assert_citations_exact(assistant, third)

    # a long chat before: only the last turns are read; and a huge message is cut short
    again = assistant.ask("Where was the Azerbaijani one?", history=history * 1_000)
    assert again.citations == third.citations and again.query == third.query
    huge = [{"role": "user", "content": "Tell me everything. " * 1_000_000}, history[1]]
    answer = assistant.ask("And the Azerbaijani one?", history=huge)
    assert len(answer.query) < 10_000
    assert_citations_exact(assistant, answer)


def test_a_new_topic_is_not_quoted_with_the_last_answer(assistant):
    """The word "their" makes this read as a follow-up; the cross-encoder reads the question asked, so
    the last answer's sentence, which the rewrite's search finds, is not quoted beside it (it
    was, as [2], when the cross-encoder read the previous question too)."""
    first = assistant.ask("Who did Putin invite to Moscow?")
    question = "How many people fled their homes?"
    after = assistant.ask(question, history=first.turn())
    assert "Putin" in after.query  # searched as a follow-up
    assert [c.quote for c in after.citations] == [c.quote for c in assistant.ask(question).citations]
    assert "70,000" in after.citations[0].quote
    assert_citations_exact(assistant, after)


@pytest.mark.parametrize("question", ["What is the boiling point of mercury?", "Who won the war?"])
def test_an_unanswerable_question_after_an_answer_still_abstains(assistant, question):
    """Alone, these abstain; after an answer they used to quote it (confidence 0.62 and 0.79):
    the first was read as a follow-up for its three content words, the second's rewrite, sure
    of the last answer's sentence, lent its confidence to a quote it had not chosen."""
    assert assistant.ask(question).abstained
    answer = assistant.ask(question, history=assistant.ask("Who did Putin invite to Moscow?").turn())
    assert answer.abstained and not answer.citations, answer.text


def test_an_unrelated_question_with_a_pronoun_after_a_conversation_abstains(assistant):
    history: list[dict] = []
    for question in ("Who did Putin invite to Moscow?", "And who will receive the Armenian one?"):
        history += assistant.ask(question, history=history).turn()
    answer = assistant.ask("What is the capital city of Australia and who founded it?", history=history)
    assert answer.abstained and not answer.citations, answer.text


def test_the_rewrite_is_read_as_the_question_asked():
    said = "> Putin invited the Armenian and Azerbaijani foreign ministers. [1]"
    history = [{"role": "user", "content": "Who did Putin invite to Moscow?"},
               {"role": "assistant", "content": said}]  # fmt: skip
    alone, rewrite = queries("And where was the Azerbaijani one?", history)
    assert "Putin" in rewrite.text and "Putin" not in alone.text
    assert rewrite.question == alone.question == "And where was the Azerbaijani foreign minister?"


EARLIER = ["Who came?", "The Armenian and Azerbaijani foreign ministers came to Moscow."]
# the latest mention with a plural noun wins; "says" and "its" are not plural nouns
LATER = [*EARLIER, "The Armenian delegates left.", "The Armenian government says its troops held."]
CASUALTIES = ["Russian casualties rose."]


@pytest.mark.parametrize(
    ("question", "earlier", "spelled"),
    [
        ("Where was the Azerbaijani one?", EARLIER, "Where was the Azerbaijani foreign minister?"),
        ("where was the azerbaijani one?", EARLIER, "where was the azerbaijani foreign minister?"),
        ("And the Armenian ones?", EARLIER, "And the Armenian foreign ministers?"),
        ("Which one was the Armenian one?", EARLIER, "Which one was the Armenian foreign minister?"),
        ("Who led the Armenian one?", LATER, "Who led the Armenian delegate?"),
        ("Who were the Russian ones?", CASUALTIES, "Who were the Russian casualties?"),
        ("And the Russian one?", CASUALTIES, "And the Russian casualty?"),
    ],
)
def test_one_is_spelled_out_from_the_conversation(question, earlier, spelled):
    assert spell_out_one(question, earlier) == spelled


def test_other_ones_are_left_alone():
    """ "one" without "the X" (a number, a pronoun), "the other one", and a modifier never
    followed by a plural noun (a singular one cannot be told from a verb)."""
    earlier = [*EARLIER, "It calls for talks.", "Two soldiers died.", "The Russian journalist was hurt."]
    for question in ("Which one?", "Is it one?", "Was there more than one?", "Did it happen in one day?",
                     "What about the other one?", "And the Russian one?"):  # fmt: skip
        assert spell_out_one(question, earlier) == question


def test_to_dict_is_json(assistant):
    data = json.loads(json.dumps(assistant.ask("How many people fled their homes?").to_dict()))
    assert set(data) >= {"text", "citations", "abstained"}
    assert set(data["citations"][0]) == {"number", "doc_id", "quote", "start", "end", "score"}


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("x" * 100_000, "100,000 characters"),
        (None, "empty"),
        ("?!...;;;", "no words"),
        ("🤔", "no words"),
        (5, "the question is int, not str"),
        (b"Who?", "the question is bytes, not str"),
    ],
)
def test_bad_questions(assistant, question, message):
    with pytest.raises(QuestionError, match=message):
        assistant.ask(question)


@pytest.mark.parametrize("question", ["the", "a", "Who?", "What is it?"])
def test_a_question_of_only_common_words_is_declined_unless_it_follows_up(assistant, question):
    answer = assistant.ask(question)
    assert answer.abstained and answer.citations == () and answer.text.startswith("The article does not say")
    first = assistant.ask("Who did Putin invite to Moscow?")
    follow = assistant.ask("Why?", history=first.turn())
    assert not follow.abstained
    assert_citations_exact(assistant, follow)
    assert assistant.ask(question, history=first.turn()).abstained == (question in ("the", "a"))
    declined = assistant.ask("Who won the war?")
    assert declined.abstained and assistant.ask("the", history=declined.turn()).abstained


def test_bad_history(assistant):
    with pytest.raises(QuestionError, match="history"):
        assistant.ask("Who?", history="not a list")
    # odd entries (files, unknown roles) are skipped, not fatal
    answer = assistant.ask(
        "Who is the president of Azerbaijan?",
        history=[{"role": "system", "content": "x"}, {"role": "user", "content": {"file": 1}}],
    )
    assert_citations_exact(assistant, answer)


def test_empty_documents_are_refused(encoder):
    with pytest.raises(DocumentError, match="empty"):
        Assistant.from_texts({"a": "  "}, encoder=encoder)
    with pytest.raises(DocumentError, match="no text"):
        Assistant.from_texts({"a": "[ad_1]"}, encoder=encoder)
    with pytest.raises(DocumentError, match="a: the document is bytes, not str; decode it"):
        Assistant.from_texts({"a": b"Bytes, not text."}, encoder=encoder)


def test_unknown_option_is_refused():
    with pytest.raises(ValueError, match="unknown option"):
        Assistant.from_texts({"a": "Text."}, chunk_size=3)
    with pytest.raises(ValueError, match="chunk_overlap"):
        Assistant.from_texts({"a": "Text."}, chunk_sentences=2, chunk_overlap=2)


@pytest.mark.parametrize(
    "option",
    [
        {"quote_ratio": "0.5"},
        {"quote_ratio": float("nan")},
        {"quote_ratio": True},
        {"abstain_threshold": True},
        {"max_quotes": True},
        {"max_quotes": 2.0},
        {"chunk_overlap": "1"},
        {"rerank_candidates": None},
        {"index_type": ["flat"]},
    ],
)
def test_an_option_of_the_wrong_type_is_a_value_error(option):
    (name,) = option
    with pytest.raises(ValueError, match=name):
        Assistant.from_texts({"a": "Text."}, **option)


def test_numbers_of_other_types_are_taken_as_plain_ones():
    import numpy as np

    settings = Settings(quote_ratio=np.float32(0.5), max_quotes=np.int64(2), abstain_threshold=Fraction(1, 4))
    assert (settings.quote_ratio, settings.max_quotes, settings.abstain_threshold) == (0.5, 2, 0.25)
    assert type(settings.max_quotes) is int and json.dumps(settings.to_dict())


def test_from_paths_reuses_rebuilds_and_load_reports_staleness(encoder, tmp_path):
    doc = tmp_path / "article.txt"
    shutil.copy(ARTICLE, doc)
    index_dir = tmp_path / "index"
    Assistant.from_paths([doc], index_dir, encoder=encoder)
    created = json.loads((index_dir / "manifest.json").read_text())["created"]
    manifest_file = (index_dir / "manifest.json").stat().st_ino
    Assistant.from_paths([doc], index_dir, encoder=encoder)  # up to date: reused
    assert (index_dir / "manifest.json").stat().st_ino == manifest_file

    doc.write_text(
        ARTICLE.read_text(encoding="utf-8") + "\nA new closing sentence was added.\n", encoding="utf-8"
    )
    with pytest.raises(StaleIndexError, match="has changed"):
        Assistant.load(index_dir, encoder=encoder)
    Assistant.from_paths([doc], index_dir, encoder=encoder)  # changed: rebuilt
    with pytest.raises(StaleIndexError, match="chunk_sentences"):
        Assistant.load(index_dir, encoder=encoder, chunk_sentences=6)
    fresh = Assistant.load(index_dir, encoder=encoder)
    assert "A new closing sentence" in fresh.document("article.txt").text
    assert json.loads((index_dir / "manifest.json").read_text())["created"] >= created

    Assistant.from_paths([doc], index_dir, encoder=encoder, chunk_sentences=3, chunk_overlap=0)
    own = Assistant.load(index_dir, encoder=encoder)  # opened with the settings it was built with
    assert (own.settings.chunk_sentences, own.settings.chunk_overlap) == (3, 0)
    assert_citations_exact(own, own.ask("How many people fled their homes?"))
    manifest = json.loads((index_dir / "manifest.json").read_text())
    manifest["settings"]["chunk_sentences"] = "4"  # damaged
    (index_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CorruptIndexError, match="damaged .*chunk_sentences.*--rebuild"):
        Assistant.load(index_dir, encoder=encoder)
    Assistant.from_paths([doc], index_dir, encoder=encoder)  # rebuilt
    assert Assistant.load(index_dir, encoder=encoder).settings.chunk_sentences == 4


def test_a_changed_source_is_found_from_any_working_folder(encoder, tmp_path, monkeypatch):
    """Indexed as a relative path from one folder, checked from another, then both moved."""
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    shutil.copy(ARTICLE, project / "data" / "article.txt")
    monkeypatch.chdir(project)
    Assistant.from_paths(["data/article.txt"], "index", encoder=encoder)
    manifest = json.loads((project / "index" / "manifest.json").read_text())
    assert manifest["documents"]["article.txt"]["source"] == "../data/article.txt"

    (project / "data" / "article.txt").write_text("A different article altogether.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StaleIndexError, match="article.txt has changed"):
        Assistant.load(project / "index", encoder=encoder)
    moved = shutil.move(project, tmp_path / "moved")
    with pytest.raises(StaleIndexError, match="article.txt has changed"):
        Assistant.load(Path(moved) / "index", encoder=encoder)


def test_symlinks_are_followed_where_they_point_now(encoder, tmp_path):
    """A symlinked source is checked through the link; a symlinked index folder stays a link."""
    (tmp_path / "v1.txt").write_text("Paris is the capital of France.", encoding="utf-8")
    (tmp_path / "v2.txt").write_text("Rome is the capital of Italy.", encoding="utf-8")
    (tmp_path / "current.txt").symlink_to("v1.txt")
    (tmp_path / "deep" / "real").mkdir(parents=True)
    (tmp_path / "index").symlink_to(tmp_path / "deep" / "real")
    Assistant.from_paths([tmp_path / "current.txt"], tmp_path / "index", encoder=encoder)
    assert (tmp_path / "index").is_symlink() and (tmp_path / "deep" / "real" / "manifest.json").exists()
    Assistant.load(tmp_path / "index", encoder=encoder)  # up to date
    (tmp_path / "current.txt").unlink()
    (tmp_path / "current.txt").symlink_to("v2.txt")
    with pytest.raises(StaleIndexError, match="current.txt has changed"):
        Assistant.load(tmp_path / "index", encoder=encoder)


def test_an_index_from_before_relative_sources_is_still_checked(encoder, tmp_path, monkeypatch):
    """Manifests without "sources_relative_to" hold paths relative to where they were built."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(ARTICLE, "article.txt")
    Assistant.from_paths(["article.txt"], "index", encoder=encoder)
    path = tmp_path / "index" / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["sources_relative_to"]
    manifest["documents"]["article.txt"]["source"] = "article.txt"
    path.write_text(json.dumps(manifest))
    Path("article.txt").write_text("Something else entirely.", encoding="utf-8")
    with pytest.raises(StaleIndexError, match="article.txt has changed"):
        Assistant.load("index", encoder=encoder)


def test_a_bad_file_leaves_the_index_untouched(encoder, tmp_path):
    index_dir = tmp_path / "index"
    Assistant.from_paths([ARTICLE], index_dir, encoder=encoder)
    before = {p.name: p.read_bytes() for p in index_dir.iterdir()}
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(DocumentError):
        Assistant.from_paths([ARTICLE, bad], index_dir, encoder=encoder)
    assert {p.name: p.read_bytes() for p in index_dir.iterdir()} == before


def test_load_without_index(tmp_path):
    with pytest.raises(IndexNotFoundError):
        Assistant.load(tmp_path / "none")


def test_a_sentence_repeated_in_two_paragraphs_is_quoted_once(encoder):
    text = (
        "The Harbour Bridge opened to traffic in March 1932. Its arch is painted grey.\n\n"
        "Trains cross it every day.\n\n"
        "The Harbour Bridge opened to traffic in March 1932. Climbers walk over the top.\n"
    )
    assistant = Assistant.from_texts({"bridge.txt": text}, encoder=encoder)
    answer = assistant.ask("When did the Harbour Bridge open to traffic?")
    quotes = [c.quote for c in answer.citations]
    assert quotes[0] == "The Harbour Bridge opened to traffic in March 1932."
    assert answer.citations[0].start == 0 and len(set(quotes)) == len(quotes)
    assert_citations_exact(assistant, answer)


def test_the_confidence_follows_the_quote_once_repeats_are_merged(encoder, monkeypatch):
    """Two searches (a follow-up's): one sure of nothing and best at "Trains cross it", one
    sure of the second copy of the opening sentence. Merged with its first copy, that sentence
    is quoted, so its search's confidence is the answer's, not the other's."""
    import numpy as np

    from citeqa.retrieve import Query

    text = ("The Harbour Bridge opened to traffic in March 1932. Its arch is painted grey.\n\n"
            "Trains cross it every day.\n\n"
            "The Harbour Bridge opened to traffic in March 1932. Climbers walk over the top.\n")  # fmt: skip
    assistant = Assistant.from_texts({"bridge.txt": text}, encoder=encoder)
    sentences = [s.text for s in assistant.index.sentences]
    assert sentences[0] == sentences[3] and sentences[2] == "Trains cross it every day."

    class Found:  # what a search returns, as far as ask looks at it
        candidates = np.array([0, 2, 3])

        def best(self, scores):
            return int(self.candidates[np.argmax(scores)])

    searches = [Query("q", [], [], "q"), Query("rewrite", [], [], "q")]
    made = {"q": (np.log([0.30, 0.40, 0.30]), 0.05), "rewrite": (np.log([0.25, 0.35, 0.40]), 0.90)}
    monkeypatch.setattr("citeqa.assistant.queries", lambda question, history: searches)
    monkeypatch.setattr(assistant, "score", lambda question, query, vector: (Found(), *made[query.text]))
    answer = assistant.ask("When did it open?")
    assert not answer.abstained and answer.confidence == 0.9
    assert answer.citations[0].start == 0 and len(answer.citations) == 2  # one copy, then "Trains"
    assert_citations_exact(assistant, answer)


def test_several_documents(encoder):
    assistant = Assistant.from_texts(
        {
            "cats.txt": "Cats sleep for sixteen hours a day. They are crepuscular hunters.",
            "ships.md": "# Ships\n\nThe Titanic sank in April 1912 after striking an iceberg.",
        },
        encoder=encoder,
    )
    answer = assistant.ask("When did the Titanic sink?")
    assert answer.citations[0].doc_id == "ships.md"
    assert_citations_exact(assistant, answer)


def test_from_paths_rebuilds_a_damaged_index(encoder, tmp_path):
    index_dir = tmp_path / "index"
    Assistant.from_paths([ARTICLE], index_dir, encoder=encoder)
    (index_dir / "sentences.jsonl").write_text("{not json", encoding="utf-8")
    assistant = Assistant.from_paths([ARTICLE], index_dir, encoder=encoder)
    assert_citations_exact(assistant, assistant.ask("Who did Putin invite to Moscow?"))
    Assistant.load(index_dir, encoder=encoder)  # the rebuilt index is whole again


def test_files_of_the_same_name_from_two_folders_are_both_indexed(encoder, tmp_path):
    for folder, said in (("june", "The roof was mended in June."), ("july", "The well was dug in July.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.txt").write_text(said, encoding="utf-8")
    paths = [tmp_path / "june" / "notes.txt", tmp_path / "july" / "notes.txt"]
    Assistant.from_paths(paths, tmp_path / "index", encoder=encoder)
    assistant = Assistant.load(tmp_path / "index", encoder=encoder)
    assert list(assistant.index.documents) == ["june/notes.txt", "july/notes.txt"]
    answer = assistant.ask("When was the well dug?")
    assert answer.citations[0].doc_id == "july/notes.txt"
    assert_citations_exact(assistant, answer)
