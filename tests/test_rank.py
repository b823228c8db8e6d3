import pytest

from citeqa.rank import contradicts

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
    assert contradicts(question, PASSAGE)


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
    ],
)
def test_a_question_that_keeps_to_the_passage_does_not(question, passage):
    assert not contradicts(question, passage)
