"""The entry point: an Assistant answers questions about its documents with cited quotes."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from . import index as store
from .answer import Answer, abstention, quoted
from .embed import Encoder, default_encoder
from .errors import DocumentError, IndexNotFoundError, QuestionError, StaleIndexError
from .followup import standalone_query
from .load import Document, load_path
from .rank import question_features, sentence_features, shipped, softmax
from .retrieve import Query, Retriever
from .settings import Settings

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
# A sentence the assistant quoted in its last answer is held back for a follow-up question.
ALREADY_QUOTED_PENALTY = 2.0


class Assistant:
    """Answers questions about a set of documents by quoting them.

    Example:
        >>> assistant = Assistant.from_paths(["data/nagorno-karabakh-ceasefire.txt"])
        >>> answer = assistant.ask("Who did Putin invite to Moscow?")
        >>> answer.citations[0].quote
        'Russian President Vladimir Putin invited the Armenian and Azerbaijani foreign ...'
    """

    def __init__(self, index: store.Index, settings: Settings | None = None,
                 encoder: Encoder | None = None) -> None:
        self.index = index
        self.settings = settings or Settings()
        self.encoder = encoder or default_encoder()
        self.retriever = Retriever(index, self.settings.top_chunks)
        self.ranker = shipped("ranker")
        self.abstainer = shipped("answerability")

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_texts(cls, texts: Mapping[str, str], *, encoder: Encoder | None = None,
                   **options) -> Assistant:
        """Index ``texts`` (document id to text) in memory; nothing is written to disk."""
        settings = Settings.from_options(options)
        encoder = encoder or default_encoder()
        docs = []
        for doc_id, text in texts.items():
            if not isinstance(text, str) or not text.strip():
                raise DocumentError(f"{doc_id}: the document is empty")
            docs.append(Document(str(doc_id), text))
        return cls(store.build(docs, settings, encoder), settings, encoder)

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path], index_dir: str | Path = "index/", *,
                   rebuild: bool = False, encoder: Encoder | None = None,
                   **options) -> Assistant:
        """Index the files at ``paths`` into ``index_dir``, or reuse the index there if it is
        up to date (same documents, same settings, same model).

        Raises:
            DocumentError: a file cannot be read; the existing index is left as it was.
        """
        settings = Settings.from_options(options)
        encoder = encoder or default_encoder()
        docs = [load_path(p) for p in paths]
        if not docs:
            raise DocumentError("no documents given")
        if not rebuild:
            try:
                manifest = store.read_manifest(index_dir)
                reasons = store.stale_reasons(manifest, docs, settings)
                if not reasons and manifest["model"].get("sha256") == encoder.weights_sha256:
                    return cls(store.load(index_dir, encoder), settings, encoder)
                log.info("rebuilding %s: %s", index_dir, "; ".join(reasons) or "another model")
            except IndexNotFoundError:
                pass
            except Exception as e:  # a damaged index is rebuilt, not fatal
                log.warning("rebuilding %s: %s", index_dir, e)
        index = store.build(docs, settings, encoder)
        store.save(index, index_dir)
        return cls(index, settings, encoder)

    @classmethod
    def load(cls, index_dir: str | Path = "index/", *, encoder: Encoder | None = None,
             **options) -> Assistant:
        """Open the index in ``index_dir`` as it is.

        Raises:
            IndexNotFoundError, CorruptIndexError, ModelMismatchError; StaleIndexError when the
            index was built with other settings or a source file it records has changed.
        """
        settings = Settings.from_options(options)
        encoder = encoder or default_encoder()
        index = store.load(index_dir, encoder)
        reasons = store.stale_reasons(index.manifest, None, settings)
        for doc_id, info in index.manifest["documents"].items():
            source = Path(info.get("source") or "")
            if info.get("source") and source.is_file():
                try:
                    changed = load_path(source).sha256 != info["sha256"]
                except DocumentError:
                    changed = True
                if changed:
                    reasons.append(f"{source} has changed since it was indexed")
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

    def ask(self, question: str, history: list[dict] | None = None) -> Answer:
        """Answer ``question``, taking earlier turns of ``history`` into account.

        Args:
            question: the question, in plain words.
            history: earlier messages, ``[{"role": "user" | "assistant", "content": str}]``.

        Returns:
            An Answer quoting one to ``max_quotes`` sentences, or one that abstains.

        Raises:
            QuestionError: the question is empty or longer than 2,000 characters.
        """
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("the question is empty; ask something about the document")
        question = question.strip()
        if len(question) > MAX_QUESTION_CHARS:
            raise QuestionError(f"the question is {len(question):,} characters long; "
                                f"ask in at most {MAX_QUESTION_CHARS:,}")
        query, earlier_answers = standalone_query(question, history)
        scored = self.score(question, query)
        signals, scores, answerable = scored
        if earlier_answers:
            for i, s in enumerate(signals.candidates):
                if any(self.index.sentences[s].text in a for a in earlier_answers):
                    scores[i] -= ALREADY_QUOTED_PENALTY
        if answerable < self.settings.abstain_threshold:
            return abstention(question, answerable, query.text, len(self.index.documents))
        probs = softmax(scores)
        order = np.argsort(-scores, kind="stable")[: self.settings.max_quotes]
        picks = [(self.index.sentences[signals.candidates[i]], probs[i]) for i in order
                 if probs[i] >= self.settings.quote_ratio * probs[order[0]]]
        return quoted(question, picks, answerable, query.text)

    def score(self, question: str, query: Query, vector: np.ndarray | None = None):
        """Candidates, their ranking scores and the answerability of the best one."""
        if vector is None:
            vector = self.encoder.encode([query.text])[0]
        signals = self.retriever.search(query, vector)
        X = sentence_features(signals, self.retriever, question)
        scores = self.ranker(X)
        q = question_features(signals, self.retriever, question, X, scores)
        answerable = 1.0 / (1.0 + math.exp(-float(self.abstainer(q[None, :])[0])))
        return signals, scores, answerable
