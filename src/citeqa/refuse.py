"""Stage 7c: refuse a question its best passage cannot answer, however well they match.

SQuAD 2.0's writers made questions unanswerable by turning what a sentence says: an added "not",
an opposite ("lowest" for "highest"), another ordinal, count, year, century or month. These
tests find such a turn between a question and the best sentence with its neighbours (the
passage; for another time or an opposite word, the sentence itself must have it), or a number
the documents never write. ``Assistant.mismatched`` refuses what they
flag whatever the answerability model's confidence; they were written from the fit split of
squad2-dev16.json alone (README, "Quality").
"""

from __future__ import annotations

import re

from .lexical import STOPWORDS, stem
from .rank import NEGATION, YEAR

# A year the passage tells of: after a word such as "in" or "since", a month or a bracket, or
# before "AD" ("in 1191", "31 October 1795", "(1795-1821)", "AD 122", "in 843"), not a count
# such as "1200 cavalry" or "$1500".
TOLD_YEAR = re.compile(
    r"(?:\b(?i:in|since|by|from|until|till|to|around|circa|c\.|before|after|between|and|during|AD|A\.D\.)\s+"
    r"|[(\u2013-]|(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"\s+(?:\d{1,2},?\s+)?)(\d{3,4})\b|\b(\d{3,4})\s*(?:AD|A\.D\.|CE)\b"
)
NOW = re.compile(r"\b(?:today|now|currently|nowadays)\b", re.I)
# "didn't" and "cannot" too (NEGATION, a feature, misses them)
NEGATED = re.compile(rf"{NEGATION.pattern}|n't\b|\bcannot\b", re.I)
# SQuAD 2.0's writers made questions unanswerable by inverting what a sentence says; these
# opposites, a word with a negating prefix and an added "not" are how (see ``contradicts``).
OPPOSITES = [
    ("most", "least"), ("largest", "smallest"), ("highest", "lowest"), ("first", "last"), ("best", "worst"),
    ("more", "less"), ("before", "after"), ("increase", "decrease"), ("increased", "decreased"),
    ("early", "late"), ("earliest", "latest"), ("north", "south"), ("east", "west"), ("northern", "southern"),
    ("eastern", "western"), ("win", "lose"), ("won", "lost"), ("accept", "reject"), ("accepted", "rejected"),
    ("allow", "forbid"), ("allowed", "forbade"), ("open", "close"), ("opened", "closed"), ("start", "end"),
    ("began", "ended"), ("rise", "fall"), ("rose", "fell"), ("gain", "loss"), ("gained", "lost"),
    ("buy", "sell"), ("bought", "sold"), ("import", "export"), ("major", "minor"), ("maximum", "minimum"),
    ("inside", "outside"), ("above", "below"), ("strong", "weak"), ("success", "failure"),
    ("legal", "illegal"), ("give", "take"), ("gave", "took"), ("given", "taken"), ("upper", "lower"),
    ("higher", "lower"), ("larger", "smaller"), ("greater", "smaller"), ("longest", "shortest"),
    ("longer", "shorter"), ("oldest", "youngest"), ("older", "younger"), ("old", "new"),
    ("ancient", "modern"),
    ("public", "private"), ("positive", "negative"), ("internal", "external"), ("high", "low"),
    ("large", "small"), ("long", "short"), ("common", "rare"), ("agree", "disagree"), ("support", "oppose"),
    ("supported", "opposed"), ("create", "destroy"), ("created", "destroyed"), ("won", "lose"),
    ("defeated", "won"), ("join", "leave"), ("joined", "left"), ("entered", "left"), ("arrive", "leave"),
    ("arrived", "left"), ("true", "false"), ("same", "different"), ("always", "never"), ("all", "none"),
    ("many", "few"), ("cheap", "expensive"), ("hot", "cold"), ("wet", "dry"), ("light", "heavy"),
    ("fast", "slow"), ("easy", "difficult"), ("easier", "harder"), ("simple", "complex"),
    ("include", "exclude"), ("included", "excluded"), ("prior", "after"), ("earlier", "later"),
]  # fmt: skip
# Irregular forms of the opposites' verbs: "Why did profit fall?" is no inversion of "profit falls"
# beside "costs rise", nor "How much did revenue rise?" of "Revenue rose".
IRREGULAR = dict(pair.split(":") for pair in (
    "rose:rise risen:rise fell:fall fallen:fall gave:give given:give took:take taken:take won:win "
    "lost:lose began:begin begun:begin bought:buy sold:sell forbade:forbid forbidden:forbid left:leave"
).split())  # fmt: skip
# "first" and "last" also say when ("When did they last win?", "It opened first"): they invert
# only what the same word follows ("the last Sino-Japanese War" of "the First Sino-Japanese War").
FIRST_LAST = re.compile(r"\b(first|last)\s+([a-z][\w-]*)", re.I)
OPPOSITE: dict[str, set[str]] = {}
for _a, _b in OPPOSITES:
    OPPOSITE.setdefault(_a, set()).add(_b)
    OPPOSITE.setdefault(_b, set()).add(_a)
# "the second invasion" asked of "the third invasion": an ordinal and the word it ranks.
ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split()
# Up to the twelfth: "the 15th century" beside "the sixteenth century" is no swap to look for.
RANKED = re.compile(rf"(?<![-\w])({'|'.join(ORDINALS)}|(?:1[0-2]|[1-9])(?:st|nd|rd|th))\s+([a-z]+)", re.I)
# "the three waves" asked of "the four waves", "55 minutes" of "45 minutes": a small number and
# the word it counts (not "one", not a number's part, "2.5 million" or "forty-five", nor "3
# nights or more"; in a question, not a bound, "more than 5 days").
CARDINALS = "one two three four five six seven eight nine ten eleven twelve".split()
COUNTED = re.compile(
    rf"(?:\b(\w+)\s+)?(?<![\d.,-])\b({'|'.join(CARDINALS)}|\d{{1,2}})(?![\d.,])\s+([a-z]{{3,}})"
    r"(?!\s+or\s+(?:more|less|fewer|over|under|longer|shorter))",
    re.I | re.A,
)
# Numbers written in words, "forty-five" as 45, to tell whether a passage has the one asked about.
UNITS = [*CARDINALS, *"thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()]
TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
SPELLED = re.compile(
    rf"\b(?:({'|'.join(TENS)})(?:[-\s]({'|'.join(UNITS[:9])}))?|({'|'.join(UNITS)}))\b", re.I | re.A
)
NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "dis", "non", "mis", "anti")
# Common words that begin like a negation and are none: "income" does not negate "come".
PLAIN = frozenset(stem(w) for w in (
    "income invest import impress inform insight install intend intent inside instead interest "
    "impart impose implant imprint input inland increase discover display dispatch dismiss "
    "dissolve dispose distress discharge disease antibody"
).split())  # fmt: skip
# "in the 11th century", "during the late eleventh century" or "in the 1100s" ("centuries" asks of
# more than one; "the 19th-century poet" describes the poet).
CENTURY_WORDS = [*ORDINALS, *"thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth".split(),
                 "nineteenth", "twentieth", "twenty-first"]  # fmt: skip
SPELLED_NTH = "|".join(w.replace("-", r"[-\s]") for w in CENTURY_WORDS)  # "twenty first" too
NTH = rf"(?:(\d{{1,2}})(?:st|nd|rd|th)|({SPELLED_NTH}))"
CENTURY = re.compile(
    rf"(?:\b(\w+)\W+)?\b(?:the\s+)?(?:(?:early|mid|middle|late)[\s-]+)?(?:{NTH}[\s-]+century|(1\d|20)00'?s)\b",
    re.I | re.A,
)
MONTH_NAMES = "January February March April May June July August September October November December".split()
MONTH_ABBREVIATIONS = [m[:3] for m in MONTH_NAMES]
MONTHS = re.compile(rf"(?:\b(\w+)\s+)?(?:(?:early|mid|late)[-\s]+)?\b({'|'.join(MONTH_NAMES)})\b")
# What a passage may write: "Sept. 27" too; "from May to August" names the months between.
TOLD_MONTH = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)(?:uary|ruary|ch|il|e|y|ust|t|tember|ober|ember)?\b\.?"
)
# "from April 1 to October 31", "between 1 June and 30 September": a range of months.
MONTH_RANGE = re.compile(
    rf"{TOLD_MONTH.pattern}.{{0,25}}?\b(?:to|and|through|until|till)\b.{{0,25}}?{TOLD_MONTH.pattern}"
    rf"|{TOLD_MONTH.pattern}\s*[-\u2013\u2014]\s*{TOLD_MONTH.pattern}"
)
ASKS_YEAR = re.compile(r"\b(?:what|which)\s+year\b(?![-\w]|\s+of\b)", re.I)
# "1685", "the 1680s", "AD 79", "in '05", but also "the same year" or "their third year".
WRITTEN_YEAR = re.compile(
    r"\b\d{3,4}(?:['\u2019]?s)?\b|\b\d{1,4}\s*(?:AD|BC|BCE|CE|A\.D\.|B\.C\.)|\b(?:AD|A\.D\.)\s*\d{1,4}\b"
    r"|['\u2019]\d\d\b|\bFY\s?\d{2,4}\b|\bYears?\s+\d{1,2}\b"
    r"|\b(?:same|that|following|next|previous|preceding|this|last|\w+(?:st|nd|rd|th))[-\s]year\b",
    re.I,
)
LETTERS = re.compile(r"[A-Za-z]+(?:'t)?")
# "non-imperialism", "non shared", "anti–tank": a negating prefix written apart.
HYPHENED = re.compile(r"\b(non|anti)(?:[-\s\u2010\u2011\u2013\u2014]+)([a-z]+)", re.I)
# Words with which a passage negates a word near them: "not refundable", "dairy-free", "against
# the government".
SELF_NEGATED = re.compile(
    r"not|never|no|none|without|against|free|cannot|\w+n't|other|others|except|exempt|instead|prevents?|stops?",
    re.I,
)
DIGITS = re.compile(r"\d[\d,.]*\d|\d")
# A number in a question, the word before it, and an "s" that makes a year a decade ("1930s").
ASKED_NUMBER = re.compile(rf"(?:\b(\w+)\W+)?\b({DIGITS.pattern})('?s)?\b")
# Words before a number that make it a bound, not a detail the answer must hold.
BOUNDS = frozenset(
    "than least most over under about around nearly almost approximately roughly some between and "
    "from to since before after until till by within pre post up".split()
)
YES_NO = frozenset(
    "is are was were do does did has have had can could will would should may might must".split()
)


def numbers(text: str) -> set[str]:
    """The numbers written in digits in ``text``, without their thousands separators."""
    return {n.replace(",", "") for n in DIGITS.findall(text)}


def yes_or_no(question: str) -> bool:
    """Whether ``question`` asks yes or no ("Was it in 1755?", "And didn't they?")."""
    words = question.lower().split()
    while words and words[0] in ("and", "but", "so"):
        words = words[1:]
    return bool(words) and (words[0] in YES_NO or words[0].removesuffix("n't") in YES_NO | {"ca", "wo"})


def asked_numbers(question: str) -> list[tuple[str, bool]]:
    """The numbers of three or more digits (years, counts) that ``question`` asks about, each
    with whether it names a decade ("the 1930s").

    A number that bounds a range ("after 1900", "more than 500") is not asked about, and a
    yes-or-no question ("Was it in 1755?") asks about none: what the documents do say answers it.
    Shorter numbers are often written in words ("forty-five") or as numerals ("World War I"),
    and centuries as ordinals ("the 1700s" as "the 18th century"): none of those is asked about.
    """
    if yes_or_no(question):
        return []
    asked = []
    for m in ASKED_NUMBER.finditer(question):
        before, digits, decade = m.groups()
        n = digits.replace(",", "")
        century = decade and n.endswith("00")
        if not (before and before.lower() in BOUNDS) and sum(c.isdigit() for c in n) >= 3 and not century:
            asked.append((n, bool(decade)))
    return asked


def _written(n: str, decade: bool, known: set[str]) -> bool:
    """Whether the number ``n`` is among ``known``; a decade is when one of its years is."""
    return n in known if not decade else any(k.startswith(n[:-1]) and len(k) == len(n) for k in known)


def unknown_number(question: str, known: set[str]) -> bool:
    """Whether ``question`` asks about a number that the documents, which hold the numbers
    ``known``, never write: then no quote answers it. On the fit split of squad2-dev16.json 31
    questions are caught so, all of them unanswerable (README, "Quality")."""
    return any(not _written(n, decade, known) for n, decade in asked_numbers(question))


def time_elsewhere(question: str, sentence: str, passage: str, known: set[str]) -> bool:
    """Whether ``question`` asks about a time that ``passage`` (``sentence``, the one to be
    quoted first, with its neighbours) does not tell of, though ``sentence`` tells of another
    time of the kind:
    - a year that the documents write: "AppleTalk was developed in 1995 for who?" finds
      "AppleTalk was ... developed by Apple Inc. in 1985"; the article's 1995 is elsewhere;
    - a century, none of whose years the passage has: "Who left Messina in the 11th century?"
      finds "In April 1191 Richard left Messina";
    - a month: "Who went to Fort Duquesne in July 1755?" finds "an expedition in June 1755".
    A sentence that tells of no year, century or month may belong to the one asked about, even
    when a neighbour tells of another: "Who was injured in 2020?" of "Two Russian journalists
    were injured", beside "the war ... in the 1990s"."""
    asked_years = [(n, d) for n, d in asked_numbers(question) if YEAR.fullmatch(n)]
    if any(YEAR.fullmatch(n) for n in numbers(sentence)):
        here = numbers(passage)
        if any(_written(n, d, known) and not _written(n, d, here) for n, d in asked_years):
            return True
    asked = centuries(question, asked=True)
    if asked and _centuries_told(sentence) and not asked & _centuries_told(passage):
        return True
    asked = months(question, asked=True)
    if not asked or MONTH_RANGE.search(passage):
        return False
    return bool(months(sentence) and not asked & months(passage))


def _centuries_told(text: str) -> set[int]:
    """The centuries ``text`` names or tells a year of; the 21st too if it speaks of today."""
    told = centuries(text) | {c for y in _years(text) for c in _century_of(y)}
    return told | ({21} if NOW.search(text) else set())  # "the building today houses a museum"


def months(text: str, asked: bool = False) -> set[int]:
    """The months ``text`` names, abbreviated too ("Sept. 27"), 0 for January. With ``asked``,
    those a question asks about as the time of what it asks: after "in", "during" or "on" ("in
    July", "on October 9"; not "the September 11 attacks", nor "May", also a verb), and none in a
    yes-or-no question."""
    if not asked:
        return {MONTH_ABBREVIATIONS.index(m.group(1)) for m in TOLD_MONTH.finditer(text)}
    if yes_or_no(text):
        return set()
    return {MONTH_NAMES.index(m.group(2)) for m in MONTHS.finditer(text)
            if m.group(2) != "May" and (m.group(1) or "").lower() in ("in", "during", "on")}  # fmt: skip


def _years(text: str) -> list[int]:
    """The years ``text`` tells of (``TOLD_YEAR``), not counts such as "1200 cavalry"."""
    return [int(m.group(1) or m.group(2)) for m in TOLD_YEAR.finditer(text)]


def _century_of(year: int) -> set[int]:
    """1191 is of the 12th century; 1900 of the 19th or, as many count, the 20th."""
    century = (year - 1) // 100 + 1
    return {century, century + 1} if year % 100 == 0 else {century}


def centuries(text: str, asked: bool = False) -> set[int]:
    """The centuries ``text`` names ("the 11th century", "the eleventh century" and "the 1000s"
    are all the 11th). With ``asked``, those a question asks about as the time of what it asks:
    after "in", "during" or "throughout" ("in the 11th century", not "before the 11th century"
    or "the 19th-century poet"), and none in a yes-or-no question, one about centuries or one
    before Christ."""
    if asked and (yes_or_no(text) or re.search(r"(?i:\bcenturies\b)|\bB\.?C", text)):
        return set()
    named = set()
    if re.search(r"\bcenturies\b", text, re.I):  # "the 11th to 13th centuries": every ordinal
        named = {int(n) for n in re.findall(r"\b(\d{1,2})(?:st|nd|rd|th)\b", text)}
        words = re.findall(rf"\b({'|'.join(CENTURY_WORDS)})\b", text, re.I | re.A)
        named |= {CENTURY_WORDS.index(w.lower()) + 1 for w in words}
    for m in CENTURY.finditer(text):
        before, digits, word, hundreds = m.groups()
        as_time = before and before.lower() in ("in", "during", "throughout") and "-century" not in m.group()
        if asked and not as_time:
            continue
        if hundreds:
            named.add(int(hundreds) + 1)
        else:
            named.add(int(digits) if digits else CENTURY_WORDS.index(re.sub(r"\s+", "-", word.lower())) + 1)
    return named


def year_missing(question: str, passage: str) -> bool:
    """Whether ``question`` asks in what year something happened and ``passage`` (the sentence
    to be quoted first, with its neighbours) writes no year ("1685", "the 1680s", "AD 79", "in
    '05", "the same year", "their third year"): then it cannot answer. On the fit split of
    squad2-dev16.json 10 questions are caught so, all unanswerable and all of one article; on the
    report split 1 (README, "Quality")."""
    return bool(ASKS_YEAR.search(question)) and not WRITTEN_YEAR.search(passage)


def _ranked(text: str) -> set[tuple[str, str]]:
    """Each ordinal of ``text`` with the word after it, "3rd" written as "third"."""
    pairs = set()
    for m in RANKED.finditer(text):
        nth = m.group(1).lower()
        if nth[0].isdigit() and 1 <= int(nth[:-2]) <= len(ORDINALS):
            nth = ORDINALS[int(nth[:-2]) - 1]
        pairs.add((nth, m.group(2).lower()))
    return pairs


def _counted(text: str, asked: bool = False) -> set[tuple[str, str]]:
    """Each small number of ``text`` but one with the word it counts, "three" written as "3";
    with ``asked``, not those a question bounds ("more than 5 days")."""
    pairs = set()
    for m in COUNTED.finditer(text):
        before, n, word = (g.lower() if g else g for g in m.groups())
        n = str(CARDINALS.index(n) + 1) if n in CARDINALS else n
        if n != "1" and word not in STOPWORDS and not (asked and before in BOUNDS):
            pairs.add((n, word))
    return pairs


def _written_numbers(text: str) -> set[str]:
    """Every number ``text`` writes, in digits, in part ("3" of "3.12") or in words ("45")."""
    digits = numbers(text)
    written = digits | {part for n in digits for part in n.split(".")}
    for m in SPELLED.finditer(text):
        tens, unit, alone = (g.lower() if g else g for g in m.groups())
        if alone:
            written.add(str(UNITS.index(alone) + 1))
        else:
            written.add(str(10 * (TENS.index(tens) + 2) + (UNITS.index(unit) + 1 if unit else 0)))
    return written


def _told_plainly(word: str, passage: str) -> bool:
    """Whether ``passage`` has ``word`` (a word of its stem, or of its first 8 letters when it is
    longer: "imperialistic" as "imperialism") with no negation or contrast within four words of it:
    "refundable" is told plainly in "It is refundable", not in "It is not refundable", "dairy"
    not in "dairy-free", "government" not in "protests against the government"."""
    words = re.findall(r"[\w']+", passage.lower())
    key = (lambda w: w[:8]) if len(word) >= 8 else stem
    near = [i for i, w in enumerate(words) if key(w) == key(word)]
    return any(not any(SELF_NEGATED.fullmatch(w) for w in words[max(0, i - 4) : i + 5]) for i in near)


def _joined(text: str) -> set[str]:
    """The prefixed words of ``text`` written apart, joined: "non-Catholics" as "noncatholics"."""
    return {(m.group(1) + m.group(2)).lower() for m in HYPHENED.finditer(text)}


def _lemma(word: str) -> str:
    """``word``'s stem, of its base form if irregular, without a final e ("rise", "rising")."""
    return IRREGULAR.get(word, stem(word)).removesuffix("e")


def _inverts(word: str, question: str, sentence: str) -> bool:
    """Whether ``word`` of ``question``, whose opposite ``sentence`` has, inverts it: always,
    but for "first" and "last", which must end the question or be followed by the same word in
    both."""
    if word not in ("first", "last") or re.search(rf"\b{word}\W*$", question, re.I):
        return True  # "Who finished first?" of "Smith finished last."
    follows = {stem(m.group(2).lower()) for m in FIRST_LAST.finditer(question) if m.group(1).lower() == word}
    return any(
        m.group(1).lower() != word and stem(m.group(2).lower()) in follows
        for m in FIRST_LAST.finditer(sentence)
    )


def contradicts(question: str, sentence: str, passage: str) -> bool:
    """Whether ``question`` inverts what ``sentence`` and ``passage`` (that sentence with its
    neighbours) say: it holds a negation where the sentence has none, the opposite of one of the
    sentence's words that the sentence does not also say in any form ("lowest" for "highest"; not
    "fall" of "profit falls ... costs rise"), one of the passage's words with a negating prefix
    ("unestablished", "non-imperialism"), another ordinal for something it ranks ("Kublai's
    third invasion" for "second invasion") or more of something than it counts ("a debate of 55
    minutes" for "45 minutes").

    Then the passage does not answer it, however well it matches: on the fit split of
    squad2-dev16.json 319 questions are caught so, 94.7 % of them unanswerable (README, "Quality").
    """
    yes_no = yes_or_no(question)  # its own "not" asks, it does not invert
    if NEGATED.search(question) and not NEGATED.search(sentence) and not yes_no:
        return True
    told = _ranked(passage)
    ranked_words = {w for _, w in told}
    if any(word in ranked_words for _, word in _ranked(question) - told):
        return True
    asked_counts = set() if yes_no else _counted(question, asked=True)
    if asked_counts:
        most: dict[str, int] = {}
        for n, word in _counted(passage):
            most[word] = max(most.get(word, 0), int(n))
        written = _written_numbers(passage)
        if any(word in most and int(n) > most[word] and n not in written for n, word in asked_counts):
            return True
    words = {w.lower() for w in LETTERS.findall(passage)}
    stems = {stem(w) for w in words}
    if not yes_no:
        joined = _joined(passage)
        for m in HYPHENED.finditer(question):
            prefix, rest = m.group(1).lower(), m.group(2).lower()
            name = m.group(1)[0].isupper() and m.start() > 0  # "the Anti-Defamation League"
            as_written = prefix + rest in joined or prefix + rest in words  # "non-Catholics", "nonrefundable"
            if len(rest) >= 4 and not name and not as_written and _told_plainly(rest, passage):
                return True
    said = {w.lower() for w in LETTERS.findall(sentence)}
    lemmas = {_lemma(w) for w in said}
    for w in {w.lower() for w in LETTERS.findall(question)} - words:
        if OPPOSITE.get(w, set()) & said and _lemma(w) not in lemmas and _inverts(w, question, sentence):
            return True
        if stem(w) in PLAIN:
            continue
        for prefix in NEGATING_PREFIXES:
            rest = w[len(prefix) :]
            if w.startswith(prefix) and len(rest) >= 4 and (rest in words or stem(rest) in stems):
                return True
    return False
