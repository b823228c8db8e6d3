"""The entry point: an Assistant answers questions about its documents with cited quotes."""

from __future__ import annotations

import logging
import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path

import numpy as np

from . import index as store
from . import rerank, segment
from .answer import Answer, abstention, quoted
from .clean import Paragraph, paragraphs
from .embed import Encoder, default_encoder
from .errors import (
    CiteqaError,
    CorruptIndexError,
    DocumentError,
    IndexNotFoundError,
    QuestionError,
    StaleIndexError,
)
from .followup import queries
from .lexical import WORD, tokens
from .load import Document, load_path, load_paths
from .rank import (
    NAME,
    NUMBER,
    SENTENCE_FEATURES,
    LinearModel,
    question_features,
    sentence_features,
    shipped,
    softmax,
)
from .refuse import contradicts, numbers, time_elsewhere, unknown_number, year_missing
from .rerank import Reading, Reranker
from .retrieve import Query, Retriever, Signals
from .settings import Settings, answerability_model

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
ASKING = re.compile(r"\b(who|whom|whose|what|when|where|why|how|which)\b", re.I)
# Headings repeat what the text below them says and rarely answer; SQuAD, which the ranker
# learns from, has none, so this prior is set by hand. A headline often holds the one statement
# of a fact ("Storm Ciara: two dead ...", "Leeds teacher Jane Okafor wins award"), so it gets
# this penalty only when the story repeats its names and numbers and a candidate of the story
# holds as much of the question's words (the IDF-weighted overlap); it is lifted as much when
# the question asks about it: "According to the headline, what ...?"
HEADING_PENALTY = 1.0
OVERLAP = SENTENCE_FEATURES.index("overlap")
HEADLINE_ASKED = re.compile(
    r"\b(?:the|this|its) headline\b|\bheadline (?:of|says|said)\b|\b(?:article|story)'s (?:headline|title)\b"
    r"|\btitle of (?:the|this) (?:article|story|report|piece|page)\b",
    re.I,
)

# Questions about the one document itself, answered from its structure, not searched: its
# headline ("What is the headline?", "What's the title of this story?") and, for its gist
# ("What is this article about?", "Summarize the story"), its headline and lead.
# "text", "report", ... may also name something the document tells of (``ELSEWHERE``)
OTHER_PIECES = r"text|document|report|piece|page"
PIECE = rf"(?:article|story|{OTHER_PIECES})"
ASKS_FOR_HEADLINE = re.compile(
    rf"^(?:what(?:['\u2019]s|\s+is|\s+was|\s+does)|tell\s+me|give\s+me|show\s+me)\s+(?:the|its|this)\s+"
    rf"(?:{PIECE}['\u2019]s\s+)?(?:headline|title)(?:\s+of\s+(?:the|this)\s+{PIECE})?(?:\s+say)?\W*$",
    re.I,
)
ASKS_FOR_GIST = re.compile(
    rf"^(?:what(?:['\u2019]s|\s+is)\s+(?:the|this)\s+{PIECE}\s+about|summari[sz]e\s+(?:the|this)\s+{PIECE}"
    rf"|what(?:['\u2019]s|\s+is)\s+the\s+(?:main\s+point|gist)\s+of\s+(?:the|this)\s+{PIECE})\W*$",
    re.I,
)
# "the report", "the text" of a document that tells of one asks of that, not of the document (an
# article or a story is the document: "read more at the end of the story").
ELSEWHERE = re.compile(rf"\bthe\s+({OTHER_PIECES})\b", re.I)


class Assistant:
    """Answers questions about a set of documents by quoting them.

    Example:
        >>> assistant = Assistant.from_paths(["data/nagorno-karabakh-ceasefire.txt"])
        >>> answer = assistant.ask("Who did Putin invite to Moscow?")
        >>> answer.citations[0].quote
        'Russian President Vladimir Putin invited the Armenian and Azerbaijani foreign ...'
    """

    def __init__(
        self, index: store.Index, settings: Settings | None = None, encoder: Encoder | None = None
    ) -> None:
        self.index = index
        self.settings = settings or Settings()
        self.encoder = encoder or default_encoder()
        self.retriever = Retriever(index, self.settings.top_chunks)
        self._paragraphs: dict[str, list[Paragraph]] = {}
        self.prior = np.array([-HEADING_PENALTY if s.kind == "heading" else 0.0 for s in index.sentences])
        # a headline: a first paragraph of one sentence (a longer one, as SQuAD's, is text)
        titles = Counter((s.doc_id, s.paragraph) for s in index.sentences if s.kind == "title")
        self.headlines = np.array([titles[s.doc_id, s.paragraph] == 1 for s in index.sentences], dtype=bool)

    @cached_property
    def repeated(self) -> np.ndarray:
        """Which sentences are headlines whose names and numbers the rest of their document all
        has (a site's section after " | " aside: "... start talks | World")."""
        repeated = np.zeros(len(self.index.sentences), dtype=bool)
        for s in np.flatnonzero(self.headlines):
            headline = self.index.sentences[s]
            text = self.index.documents[headline.doc_id].text
            said = re.sub(r"\s+\|\s+[^|]*$", "", headline.text)
            words = [*NAME.findall(said), *NUMBER.findall(said)]
            repeated[s] = all(w in text[: headline.start] or w in text[headline.end :] for w in words)
        return repeated

    @cached_property
    def ranker(self) -> LinearModel:
        return shipped("ranker")

    @cached_property
    def abstainer(self) -> LinearModel:
        return shipped(answerability_model(self.settings.rerank_candidates > 0))

    @cached_property
    def numbers(self) -> set[str]:
        """The numbers the documents write in digits."""
        return set().union(*(numbers(d.text) for d in self.index.documents.values()))

    @cached_property
    def reranker(self) -> Reranker:
        return rerank.shipped()

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_texts(
        cls,
        texts: Mapping[str, str],
        *,
        encoder: Encoder | None = None,
        progress: store.Progress | None = None,
        **options,
    ) -> Assistant:
        """Index ``texts`` (document id to text) in memory; nothing is written to disk.
        ``progress(done, total)`` hears how many characters are embedded, after each batch."""
        settings = Settings.from_options(options)
        encoder = encoder or default_encoder()
        docs = []
        for doc_id, text in texts.items():
            if not isinstance(text, str):
                raise DocumentError(
                    f"{doc_id}: the document is {type(text).__name__}, not str; decode it first "
                    "(e.g. data.decode('utf-8')) or give its path to from_paths"
                )
            if not text.strip():
                raise DocumentError(f"{doc_id}: the document is empty")
            docs.append(Document(str(doc_id), text))
        return cls(store.build(docs, settings, encoder, progress=progress), settings, encoder)

    @classmethod
    def from_paths(
        cls,
        paths: Iterable[str | Path],
        index_dir: str | Path = "index/",
        *,
        rebuild: bool = False,
        encoder: Encoder | None = None,
        progress: store.Progress | None = None,
        **options,
    ) -> Assistant:
        """Index the files at ``paths`` into ``index_dir``, or reuse the index there if it is
        up to date (same documents, same settings, same model). When only some documents
        were added, changed or removed, only those are embedded; ``rebuild`` embeds all.
        ``progress`` as in `from_texts`.

        Raises:
            DocumentError: a file cannot be read; the existing index is left as it was.
        """
        settings = Settings.from_options(options)
        encoder = encoder or default_encoder()
        docs = load_paths(paths)
        if not docs:
            raise DocumentError("no documents given")
        previous = None
        if not rebuild:
            try:
                manifest = store.read_manifest(index_dir)
                reasons = store.stale_reasons(manifest, docs, settings)
                if not reasons and manifest["model"].get("sha256") == encoder.weights_sha256:
                    return cls(store.load(index_dir, encoder), settings, encoder)
                log.info("updating %s: %s", index_dir, "; ".join(reasons) or "another model")
                previous = store.load(index_dir, encoder)  # unchanged documents keep their vectors
            except IndexNotFoundError:
                pass
            except CiteqaError as e:  # a damaged index is rebuilt, not fatal
                log.warning("rebuilding %s: %s", index_dir, e)
        index = store.build(docs, settings, encoder, previous, progress)
        store.save(index, index_dir)
        return cls(index, settings, encoder)

    @classmethod
    def load(
        cls, index_dir: str | Path = "index/", *, encoder: Encoder | None = None, **options
    ) -> Assistant:
        """Open the index in ``index_dir`` as it is, with the chunking settings it was built
        with unless ``options`` name others.

        Raises:
            IndexNotFoundError, CorruptIndexError, ModelMismatchError; StaleIndexError when
            ``options`` ask for other chunking settings than the index's, or a source file it
            records has changed.
        """
        Settings.from_options(options)  # a bad option is refused before the index is read
        encoder = encoder or default_encoder()
        index = store.load(index_dir, encoder)
        stored = index.manifest["settings"]
        built_with = {k: stored[k] for k in Settings().index_settings() if k in stored and k not in options}
        try:
            Settings.from_options(built_with)
        except ValueError as e:
            raise CorruptIndexError(f"{index_dir} is damaged ({e}); {store.REBUILD_HINT}") from None
        settings = Settings.from_options({**built_with, **options})
        reasons = store.stale_reasons(index.manifest, None, settings)
        base = Path(index_dir) if index.manifest.get("sources_relative_to") == "index" else Path()
        for info in index.manifest["documents"].values():
            source = base / (info.get("source") or "")  # older indexes: relative to where they were built
            if info.get("source") and source.is_file():
                try:
                    changed = load_path(source).sha256 != info["sha256"]
                except DocumentError:
                    changed = True
                if changed:
                    reasons.append(f"{os.path.normpath(source)} has changed since it was indexed")
        if reasons:
            raise StaleIndexError(f"{index_dir} is stale: {'; '.join(reasons)}; {store.REBUILD_HINT}")
        return cls(index, settings, encoder)

    # -- use --------------------------------------------------------------------------------
    @property
    def documents(self) -> list[Document]:
        return list(self.index.documents.values())

    def document(self, doc_id: str) -> Document:
        """The document whose ``text`` every citation's offsets index."""
        try:
            return self.index.documents[doc_id]
        except KeyError:
            raise KeyError(f"no document {doc_id!r}; known: {', '.join(self.index.documents)}") from None

    def paragraph(self, doc_id: str, start: int) -> Paragraph:
        """The paragraph of document ``doc_id`` that holds offset ``start`` (a quote's context)."""
        if doc_id not in self._paragraphs:
            self._paragraphs[doc_id] = paragraphs(self.document(doc_id).text)
        found = self._paragraphs[doc_id]
        return next((p for p in found if p.start <= start < p.end), found[-1])

    def as_text(self, answer: Answer) -> str:
        """``answer`` as plain text: each quote in quotation marks with its marker, then where
        each comes from ("[1] a.txt, paragraph 3, characters 120–410"). The CLI prints this;
        the chat's copy button copies it."""
        if answer.abstained:
            return answer.text
        quotes = [f"“{c.quote}” [{c.number}]" for c in answer.citations]
        sources = [f"[{c.number}] {c.doc_id}, paragraph {self.paragraph(c.doc_id, c.start).number}, "
                   f"characters {c.start}–{c.end}" for c in answer.citations]  # fmt: skip
        return "\n\n".join(quotes) + "\n\n" + "\n".join(sources)

    def ask(self, question: str, history: list[dict] | None = None) -> Answer:
        """Answer ``question``, taking earlier turns of ``history`` into account.

        Args:
            question: the question, in plain words.
            history: earlier messages, ``[{"role": "user" | "assistant", "content": str}]``.

        Returns:
            An Answer quoting one to ``max_quotes`` sentences, or one that abstains.

        Raises:
            QuestionError: the question is empty, has no words (only signs or emoji) or is
                longer than 2,000 characters.
        """
        if not isinstance(question, str) and question is not None:
            raise QuestionError(f"the question is {type(question).__name__}, not str; ask in words")
        if not question or not question.strip():
            raise QuestionError("the question is empty; ask something about the document")
        question = question.strip()
        if len(question) > MAX_QUESTION_CHARS:
            raise QuestionError(
                f"the question is {len(question):,} characters long; ask in at most {MAX_QUESTION_CHARS:,}"
            )
        if not WORD.search(question):
            raise QuestionError("the question has no words; ask something about the document in words")
        structural = self.about_the_document(question)
        if structural:
            return quoted(question, [(sentence, 1.0) for sentence in structural], 1.0, question)
        # "the", "and?": nothing to look for ("Why?" after an answer asks about it); "What
        # happened in 1745?" of documents without 1745: nothing that could answer
        if (not tokens(question) and not (history and ASKING.search(question))) or unknown_number(
            question, self.numbers
        ):
            return abstention(question, 0.0, question, len(self.index.documents))
        searches = queries(question, history)
        vectors = self.encoder.encode([q.text for q in searches])
        ranked = [self.score(question, q, v) for q, v in zip(searches, vectors, strict=True)]
        probs: dict[int, float] = {}
        for signals, scores, _ in ranked:
            for s, p in zip(signals.candidates, softmax(scores), strict=True):
                probs[int(s)] = probs.get(int(s), 0.0) + float(p) / len(ranked)
        probs, copy_of = self._merge_repeats(probs)
        # The confidence comes from the searches whose own best sentence is the one quoted first.
        # A follow-up's rewrite holds the last answer's words and is sure of what that answer
        # quoted; when the quote comes from the question's own search, that says nothing of it.
        best = max(probs, key=probs.get)
        found = [a for signals, scores, a in ranked if copy_of[signals.best(scores)] == best]
        answerable = max(found or [a for _, _, a in ranked])
        if answerable < self.settings.abstain_threshold:
            return abstention(question, answerable, searches[-1].text, len(self.index.documents))
        order = sorted(probs, key=probs.get, reverse=True)[: self.settings.max_quotes]
        picks = [
            (self.index.sentences[s], probs[s])
            for s in order
            if probs[s] >= self.settings.quote_ratio * probs[order[0]]
        ]
        return quoted(question, picks, answerable, searches[-1].text)

    def about_the_document(self, question: str) -> list[segment.Sentence]:
        """What answers a question about the document itself (``ASKS_FOR_HEADLINE``, ``ASKS_FOR_GIST``)
        when there is one document: its headline, and for its gist the lead (its first sentence
        that is neither headline, heading nor caption); [] for any other question, or when the
        document has none of what is asked, or tells of the report, text, page ... asked about
        (``ELSEWHERE``)."""
        gist = ASKS_FOR_GIST.match(question)
        if len(self.index.documents) != 1 or not (gist or ASKS_FOR_HEADLINE.match(question)):
            return []
        named = ELSEWHERE.search(question)
        if named and re.search(rf"\b{named.group(1)}s?\b", self.documents[0].text, re.I):
            return []  # "What is the report about?" of a story about a report
        marked = list(zip(self.index.sentences, self.headlines, strict=True))
        front = [s for s, headline in marked if headline]
        lead = next((s for s, headline in marked if not headline and s.kind in ("title", "text")), None)
        return front + [lead] if gist and lead else front

    def _merge_repeats(self, probs: dict[int, float]) -> tuple[dict[int, float], dict[int, int]]:
        """One entry per sentence text: a sentence repeated elsewhere in the documents is
        quoted once, at its first place, with the weight of all its copies. Also: which
        entry each sentence went into."""
        merged: dict[int, float] = {}
        first: dict[str, int] = {}
        copy_of: dict[int, int] = {}
        for s in sorted(probs):
            key = " ".join(self.index.sentences[s].text.split())
            copy_of[s] = first.setdefault(key, s)
            merged[copy_of[s]] = merged.get(copy_of[s], 0.0) + probs[s]
        return merged, copy_of

    def rank(
        self, question: str, query: Query, vector: np.ndarray
    ) -> tuple[Signals, np.ndarray, np.ndarray, Reading | None]:
        """The candidates for ``query``, their features, their ranking scores and, when the
        cross-encoder reranks, its reading. Reranking keeps only the candidates it read."""
        signals = self.retriever.search(query, vector)
        X = sentence_features(signals, self.retriever, question)
        scores = self.ranker(X) + self.priors(question, signals.candidates, X)
        if not self.settings.rerank_candidates:
            return signals, X, scores, None
        keep = np.argsort(-scores, kind="stable")[: self.settings.rerank_candidates]
        ids = signals.candidates[keep]
        texts = [self.index.sentences[s].text for s in ids]
        contexts = [segment.context(self.index.sentences, s) for s in ids]
        reading = self.reranker.read(query.question, texts, contexts)
        weight = self.reranker.info["combine"]
        combined = (weight["linear"] * scores[keep] + weight["cross_encoder"] * reading.logits
                    + weight.get("span", 0.0) * reading.spans)  # fmt: skip
        return signals.subset(keep), X[keep], combined, reading

    def priors(self, question: str, candidates: np.ndarray, X: np.ndarray) -> np.ndarray:
        """What is added to the linear score of each of the ``candidates`` (sentence ids, with
        their features ``X``) for its kind: headings -1, a headline as ``HEADING_PENALTY`` says."""
        prior = self.prior[candidates]
        headline = self.headlines[candidates]
        if HEADLINE_ASKED.search(question):
            return np.where(headline, HEADING_PENALTY, prior)
        if headline.any() and not headline.all():
            overlap = X[:, OVERLAP]
            repeated = self.repeated[candidates] & (overlap <= overlap[~headline].max())
            prior = np.where(repeated, -HEADING_PENALTY, prior)
        return prior

    def score(self, question: str, query: Query, vector: np.ndarray):
        """Candidates, their ranking scores and the answerability of the best one."""
        signals, X, scores, reading = self.rank(question, query, vector)
        q = question_features(signals, self.retriever, question, X, scores, reading)
        logit = min(max(float(self.abstainer(q[None, :])[0]), -50.0), 50.0)  # exp() must not overflow
        answerable = 1.0 / (1.0 + math.exp(-logit))
        if self.mismatched(question, signals.best(scores)):
            answerable = 0.0
        return signals, scores, answerable

    def mismatched(self, question: str, s: int) -> bool:
        """Whether sentence ``s`` cannot answer ``question``, however well they match: the
        question inverts it or its neighbours, asks about a year, century or month other than
        the one it tells of (and they do not tell of the one asked), or asks in what year and
        they write none."""
        passage, sentence = self.passage(s), self.index.sentences[s].text
        return (
            contradicts(question, sentence, passage)
            or time_elsewhere(question, sentence, passage, self.numbers)
            or year_missing(question, passage)
        )

    def passage(self, s: int) -> str:
        """Sentence ``s`` with the sentences on either side of it in its document."""
        return " ".join(self.index.sentences[t].text for t in segment.neighbours(self.index.sentences, s))
