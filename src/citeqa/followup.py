"""Stage 8: turn a follow-up question into a standalone query, using the chat history.

No language model is available offline, so the rewrite is done with retrieval signals: a
question that leans on the conversation (a pronoun, "and …", "what about …", or too few words
of its own) gets a second, standalone query made of the question, the previous questions and
what the assistant last quoted. The assistant searches with both and merges the rankings: the
standalone query finds the neighbourhood, the question alone what is new in it.
"""

from __future__ import annotations

import re

from .errors import QuestionError
from .lexical import tokens
from .retrieve import Query, make_query

LEANS_ON_HISTORY = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|what else)\b"
    r"|\b(he|she|it|they|them|him|her|his|hers|its|their|theirs|this|that|these|those|there|"
    r"then|one|ones|same|other|former|latter|such)\b",
    re.I,
)
SHORT = 3


def history_turns(history: list[dict] | None) -> list[tuple[str, str]]:
    """(role, content) pairs of a chat history in the messages format; other entries ignored.

    Raises:
        QuestionError: ``history`` is not a list of messages.
    """
    if history is None:
        return []
    if not isinstance(history, (list, tuple)):
        raise QuestionError("history must be a list of {'role': ..., 'content': ...} messages")
    turns = []
    for message in history:
        if not isinstance(message, dict):
            raise QuestionError("history must be a list of {'role': ..., 'content': ...} messages")
        role, content = message.get("role"), message.get("content")
        if role in ("user", "assistant") and isinstance(content, str) and content.strip():
            turns.append((role, content))
    return turns


def queries(question: str, history: list[dict] | None) -> list[Query]:
    """The queries to search for ``question``: itself, then a standalone rewrite if it is a
    follow-up."""
    own = make_query(question)
    turns = history_turns(history)
    previous = [c for r, c in turns if r == "user"][-2:]
    if not previous or not (LEANS_ON_HISTORY.search(question) or len(tokens(question)) <= SHORT):
        return [own]
    answer = next((c for r, c in reversed(turns) if r == "assistant"), "")
    quoted = re.sub(r"\[\d+\]|^> ?|\\(?=\S)", "", answer, flags=re.M)
    return [own, make_query(question, " ".join([*previous, quoted]), f"{previous[-1]} {question}")]
