import pytest

from citeqa.rank import contradicts, number_elsewhere, numbers, unknown_number

PASSAGE = (
    "In 1599 the company was established. Its highest office was the governor's. "
    "He signed the complete charter."
)


@pytest.mark.parametrize(
    "question",
    [
        "When was the company unestablished?",  # a negating prefix on one of the passage's words
        "What was its lowest office?",  # the opposite of one of its words
        "Who did not sign the charter?",  # a negation the passage does not have
        "Who didn't sign the charter?",
    ],
)
def test_a_question_that_inverts_the_passage_contradicts_it(question):
    assert contradicts(question, PASSAGE, PASSAGE)


def test_a_negated_question_contradicts_a_sentence_without_negation_beside_one_with_it():
    sentence = "He signed the complete charter."
    assert contradicts("Who did not sign the charter?", sentence, f"No one came. {sentence}")


def test_a_question_that_ranks_otherwise_than_the_passage_contradicts_it():
    passage = "His second invasion of Japan in 1281 failed because of a typhoon."
    assert contradicts("What stopped his third invasion of Japan?", passage, passage)
    assert contradicts("What stopped his 3rd invasion of Japan?", passage, passage)
    assert not contradicts("What stopped his second invasion of Japan?", passage, passage)


@pytest.mark.parametrize(
    "question, passage",
    [
        ("When was the company established?", PASSAGE),
        ("What was its highest office?", PASSAGE),
        ("Who did not sign the charter?", "The governor did not sign the charter."),
        ("What does Azerbaijan say it never targets?", "It “does not target buildings and monuments”."),
        ("What was the interest rate?", "The rate was 5 %."),  # "interest" is no negated "rest"
        ("What is their income?", "More will come."),  # nor "income" a negated "come"
        ("Who discovered it?", "The snow covered it."),  # nor "discovered" of "covered"
        ("How large is the region?", "The region is large and small towns dot it."),  # both words there
        ("Who was his 3rd son?", "His third son was Ogedei."),  # the same ordinal
        ("Where did he build his first fort?", "He built a fort."),  # nothing else ranked
    ],
)
def test_a_question_that_keeps_to_the_passage_does_not(question, passage):
    assert not contradicts(question, passage, passage)


KNOWN = numbers("In 1755 some 1,000 men marched; by the 1990s, 70,000 had left.")


@pytest.mark.parametrize(
    "question",
    [
        "Who went to the fort in 1745?",  # a year the text never writes
        "What happened in the 1930s?",  # a decade it has no year of
        "And what did 2,500 men do?",
    ],
)
def test_a_question_about_a_number_the_documents_lack(question):
    assert unknown_number(question, KNOWN)


@pytest.mark.parametrize(
    "question",
    [
        "Who went to the fort in 1755?",
        "What did the 1000 men do?",  # "1,000" in the text
        "Where had 70000 gone?",
        "What happened in the 1750s?",  # a decade it has a year of
        "What happened in 1990?",  # "the 1990s"
        "What happened after 1800?",  # a bound, not a detail the answer holds
        "Did more than 5,000 leave?",
        "Was it in 1745?",  # yes or no: what the text does say answers it
        "Who went there in 45 days?",  # short numbers are often written in words ("forty-five")
    ],
)
def test_a_question_about_numbers_the_documents_have_or_bounds(question):
    assert not unknown_number(question, KNOWN)


@pytest.mark.parametrize(
    "question, passage, elsewhere",
    [
        ("Who marched in 1755?", "In 1755 some 1,000 men marched.", False),
        ("Who marched in 1755?", "He went on. In 1755 they marched. Then it rained.", False),  # a neighbour
        ("Who marched in 1755?", "In 1990 some men marched.", True),  # the article's 1755 is elsewhere
        ("What happened in the 1990s?", "By 1994 most had left.", False),  # a year of the decade
        ("What happened in the 1990s?", "By 1755 most had left.", True),
        ("Who marched in 1812?", "In 1990 some men marched.", False),  # unknown_number's case, not this
        ("Who marched after 1755?", "In 1990 some men marched.", False),  # a bound
    ],
)
def test_a_question_about_a_number_its_passage_lacks(question, passage, elsewhere):
    assert number_elsewhere(question, passage, KNOWN) is elsewhere


def test_a_century_is_not_asked_about():
    """Documents often write "the 1700s" as "the 18th century"."""
    assert not unknown_number("What did they do in the 1700s?", KNOWN)  # KNOWN has no 1700s year
    question = "What did they do in the 1700s?"
    assert not number_elsewhere(question, "In the 18th century they left.", KNOWN | {"1700"})


@pytest.mark.parametrize(
    "question, passage",
    [
        ("Why can't the staff return home?", "The staff cannot return home because the roads are mined."),
        ("Didn't the company open a warehouse in Gdansk?", "Its first warehouse opened in Gdansk in 1994."),
        ("What is Lubeck in the 21st century?", "In the twenty-first century it is a Hanseatic city."),
        ("Who grew stronger in the 16th century?", "It grew from the 13th to the 15th century. Its decline "
                                                    "began in the sixteenth century."),  # fmt: skip
    ],
)
def test_negations_and_ordinals_written_otherwise_do_not_contradict(question, passage):
    assert not contradicts(question, passage, passage)


@pytest.mark.parametrize(
    "question, passage",
    [
        ("How much cargo can a Boeing 737 carry?", "Each can carry 23 tonnes."),  # a name, not a year
        ("How much were operating costs in 1755?", "Operating costs rose to $900 million."),  # no year told
    ],
)
def test_a_number_the_passage_lacks_is_no_other_time_unless_the_passage_has_a_year(question, passage):
    assert not number_elsewhere(question, passage, KNOWN | {"737"})
