"""Stage 8: turn a follow-up question into a standalone query, using the chat history.

No language model is available offline, so the rewrite is done with retrieval signals: a
question that leans on the conversation (a pronoun, "and …", "what about …", or at most two
content words of its own) gets a second, standalone query made of the question, the previous questions and
what the assistant last quoted. The assistant searches with both and merges the rankings: the
standalone query finds the neighbourhood, the question alone what is new in it.

One kind of reference is spelled out: "the Azerbaijani one" after "the Armenian and Azerbaijani
foreign ministers" is searched, and read by the cross-encoder, as "the Azerbaijani foreign
minister".
"""

from __future__ import annotations

import re

from .answer import DECLINED
from .errors import QuestionError
from .lexical import tokens
from .retrieve import Query, make_query

LEANS_ON_HISTORY = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|what else)\b"
    r"|\b(he|she|it|they|them|him|her|his|hers|its|their|theirs|this|that|these|those|there|"
    r"then|one|ones|same|other|former|latter|such)\b",
    re.I,
)
# A question of at most this many content words of its own leans on the conversation ("On
# what day?", "What did Azerbaijan reply?"); with three ("What is the boiling point of
# mercury?") an unrelated question read as a follow-up got the last answer's quote.
SHORT = 2
# "the Azerbaijani one(s)": the noun is left out because an earlier turn said it
ONE = re.compile(r"\bthe ([A-Za-z][\w-]*) (ones?)\b", re.I)
NOT_A_MODIFIER = set("other same last first second third next only former latter right wrong".split())
ENDS_A_NOUN = set(
    "to of in on at for by with from and or that who which was were is are has have had".split()
)
NOT_PLURAL = set("his its this as us thus does says yes news series species".split())  # and ENDS_A_NOUN


# Of the history, only the last few turns are read, each up to this long (an answer quotes at
# most three sentences): a long chat, or a huge message sent to the API, costs no more time.
RECENT_TURNS, TURN_CHARS = 6, 8_000


def history_turns(history: list[dict] | None) -> list[tuple[str, str]]:
    """(role, content) pairs of the last RECENT_TURNS messages of a chat history in the messages
    format, each cut to TURN_CHARS; other entries ignored.

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
            turns.append((role, content[:TURN_CHARS]))
    return turns[-RECENT_TURNS:]


def plain(content: str) -> str:
    """A chat message without the assistant's Markdown: quote marks, citation markers, escapes."""
    return re.sub(r"\[\d+\]|^> ?|\\(?=\S)", "", content, flags=re.M)


def spell_out_one(question: str, earlier: list[str]) -> str:
    """``question`` with "the X one" completed from the latest of the ``earlier`` texts where X
    (or "X and Y") is followed by at most three words ending in a plural noun: "the Armenian
    and Azerbaijani foreign ministers" gives "the Azerbaijani foreign minister". A singular
    noun is not tried, as without a tagger it cannot be told from a verb; the rewrite is only
    searched, never shown. Otherwise unchanged."""
    m = next((m for m in ONE.finditer(question) if m.group(1).lower() not in NOT_A_MODIFIER), None)
    if m is None:
        return question
    modifier = rf"(?i:\b{re.escape(m.group(1))}\b)(?:,? (?:and|or) [A-Z][\w-]*)*"
    after = re.compile(rf"{modifier}((?: [a-z][\w-]*){{1,3}})")
    for text in reversed(earlier):
        for found in after.finditer(text):
            words = found.group(1).split()
            for i, word in enumerate(words):
                if word in ENDS_A_NOUN:
                    break
                if word.endswith("s") and not word.endswith("ss") and word not in NOT_PLURAL:
                    noun = [*words[:i], singular(word) if m.group(2).lower() == "one" else word]
                    return f"{question[: m.end(1)]} {' '.join(noun)}{question[m.end() :]}"
    return question


def singular(noun: str) -> str:
    """ministers: minister, casualties: casualty, churches: church."""
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if re.search(r"(ch|sh|x|ss)es$", noun):
        return noun[:-2]
    return noun[:-1]


def queries(question: str, history: list[dict] | None) -> list[Query]:
    """The queries to search for ``question``: itself, then, if it is a follow-up, a standalone
    rewrite (both with "the X one" spelled out, see ``spell_out_one``). The cross-encoder reads
    the question alone with the rewrite's candidates too: given the previous question as well,
    it scored the last answer's sentence high for any new question, and quoted it again."""
    turns = history_turns(history)
    previous = [c for r, c in turns if r == "user"][-2:]
    if not previous or not (LEANS_ON_HISTORY.search(question) or len(tokens(question)) <= SHORT):
        return [make_query(question)]
    said = [(r, plain(c)) for r, c in turns]
    question = spell_out_one(question, [c for _, c in said])
    answer = next((c for r, c in reversed(said) if r == "assistant"), "")
    answer = "" if answer.startswith(DECLINED) else answer  # a refusal's words are no context
    context = " ".join([*previous, answer])
    return [make_query(question), make_query(question, context)]
