"""Stage 8: turn a follow-up question into a standalone query, using the chat history.

No language model is available offline, so the rewrite is done with retrieval signals: a
question that leans on the conversation (a pronoun, "and …", "what about …", or too few words
of its own) gets a second, standalone query made of the question, the previous questions and
what the assistant last quoted. The assistant searches with both and merges the rankings: the
standalone query finds the neighbourhood, the question alone what is new in it.

One kind of reference is spelled out: "the Azerbaijani one" after "the Armenian and Azerbaijani
foreign ministers" is searched, and read by the cross-encoder, as "the Azerbaijani foreign
minister".
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
# "the Azerbaijani one(s)": the noun is left out because an earlier turn said it
ONE = re.compile(r"\b([A-Za-z][\w-]*) (ones?)\b")
NOT_A_MODIFIER = set(
    "the a an this that these those which what each every any no some either neither other another "
    "same last first next only such".split()
)
PLURAL = re.compile(r"[^s]s$")
ENDS_A_NOUN = set(
    "to of in on at for by with from and or that who which was were is are has have had".split()
)


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


def plain(content: str) -> str:
    """A chat message without the assistant's Markdown: quote marks, citation markers, escapes."""
    return re.sub(r"\[\d+\]|^> ?|\\(?=\S)", "", content, flags=re.M)


def spell_out_one(question: str, earlier: list[str]) -> str:
    """``question`` with "the X one" completed by the words that followed X (or "X and Y")
    up to a plural noun, in the latest of the ``earlier`` texts that has them: "the Armenian
    and Azerbaijani foreign ministers" gives "the Azerbaijani foreign minister". Unchanged
    when none has (without a tagger, a singular noun cannot be told from a verb)."""
    m = ONE.search(question)
    if not m or m.group(1).lower() in NOT_A_MODIFIER:
        return question
    after = re.compile(rf"\b{re.escape(m.group(1))}(?:,? (?:and|or) [A-Z][\w-]*)* ((?:[a-z][\w-]* ?){{1,3}})")
    for text in reversed(earlier):
        for found in after.finditer(text):
            words = []
            for word in found.group(1).split():
                if word in ENDS_A_NOUN:
                    break
                words.append(word)
                if PLURAL.search(word):  # the noun that "ones" stands for, or "one" picks from
                    if m.group(2) == "one":
                        words[-1] = word[:-1]
                    return f"{question[: m.end(1)]} {' '.join(words)}{question[m.end() :]}"
    return question


def queries(question: str, history: list[dict] | None) -> list[Query]:
    """The queries to search for ``question``: itself, then a standalone rewrite if it is a
    follow-up."""
    turns = history_turns(history)
    previous = [c for r, c in turns if r == "user"][-2:]
    if not previous or not (LEANS_ON_HISTORY.search(question) or len(tokens(question)) <= SHORT):
        return [make_query(question)]
    question = spell_out_one(question, [plain(c) for _, c in turns])
    answer = next((c for r, c in reversed(turns) if r == "assistant"), "")
    context = " ".join([*previous, plain(answer)])
    return [make_query(question), make_query(question, context, f"{previous[-1]} {question}")]
