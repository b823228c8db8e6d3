import pytest

from citeqa.refuse import contradicts, numbers, time_elsewhere, unknown_number, year_missing

PASSAGE = (
    "In 1599 the company was established. Its highest office was the governor's. "
    "He signed the complete charter and its four copies."
)


@pytest.mark.parametrize(
    "question",
    [
        "When was the company unestablished?",  # a negating prefix on one of the passage's words
        "What was its lowest office?",  # the opposite of one of its words
        "Who did not sign the charter?",  # a negation the passage does not have
        "Who didn't sign the charter?",
        "Who signed the non-complete charter?",  # "non-" and "anti-" with a hyphen or a space
        "Who signed the non complete charter?",
        "Who led the non-establishment company?",  # "establishment" as "established", by 8 letters
        "Who signed the charter's five copies?",  # another number of something the passage counts
    ],
)
def test_a_question_that_inverts_the_passage_contradicts_it(question):
    assert contradicts(question, PASSAGE, PASSAGE)


def test_a_negated_question_contradicts_a_sentence_without_negation_beside_one_with_it():
    sentence = "He signed the complete charter."
    assert contradicts("Who did not sign the charter?", sentence, f"No one came. {sentence}")


@pytest.mark.parametrize(
    "question, sentence, neighbours",
    [
        (
            "Why did profit fall?",
            "Profit falls as sales slow.",
            "Costs rise.",
        ),  # "falls": the word, in a form
        ("How much did revenue rise?", "Revenue rose 6% to 1.2 billion euros.", "The fall in profit hurt."),
        (
            "When did the Odense site open?",
            "The Odense site opened in 1990.",
            "It will close its bakery plant.",
        ),
        ("What was its lowest office?", "He signed the charter.", "Its highest office was the governor's."),
        ("Who will leave the team?", "Smith will join the team in May, after Jones left it.", ""),
        # "first" and "last" as when, not as which
        ("When did Harriers last win the cup?", "Harriers won the cup for the first time since 1996.", ""),
        ("When did the bridge first open to traffic?", "The bridge was last renovated in 2004.", ""),
    ],
)
def test_an_opposite_only_a_neighbour_has_or_a_word_said_in_another_form_does_not_contradict(
    question, sentence, neighbours
):
    assert not contradicts(question, sentence, f"{neighbours} {sentence}")


def test_first_and_last_contradict_what_the_same_word_follows_or_at_the_end():
    sentence = "During the First Sino-Japanese War in 1894, Japan absorbed Taiwan."
    assert contradicts("When was the last Sino-Japanese War?", sentence, sentence)
    assert contradicts("Who finished first?", "Smith finished last.", "Smith finished last.")


def test_an_opposite_in_the_sentence_contradicts_though_a_neighbour_says_the_word():
    assert contradicts("What was its lowest office?", "Its highest office was the governor's.", PASSAGE)
    sentence = "Smith has bought the company."
    assert contradicts("Who has sold the company?", sentence, f"Jones sells cars. {sentence}")


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
        ("Who were the non-Catholics?", "The non-Catholics were barred."),
        ("What did the two ministers say?", "The two foreign ministers met."),  # counting another word
        ("What lasted more than 5 days?", "The talks lasted 6 days."),  # a bound
        ("What was 2.5 million?", "The cost was 3.5 million."),  # a part of a number
        ("How did four copies survive?", "Its four copies and two seals survived."),
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
    assert time_elsewhere(question, passage, passage, KNOWN) is elsewhere


@pytest.mark.parametrize(
    "question, passage, elsewhere",
    [
        ("Who left Messina in the 11th century?", "In April 1191 Richard left Messina.", True),
        ("Who left Messina in the 12th century?", "In April 1191 Richard left Messina.", False),
        ("Who left Messina in the twelfth century?", "In April 1191 Richard left Messina.", False),
        ("Who left Messina in the 1100s?", "In April 1191 Richard left Messina.", False),
        ("Who left Messina in the 1000s?", "In April 1191 Richard left Messina.", True),
        ("Who built it in the 11th century?", "Begun in 1191, it was an 11th-century design.", False),
        ("Who built it in the 11th century?", "From the 11th to the 13th centuries, until 1250.", False),
        ("Who built it in the 11th century?", "They built it for the king.", False),  # no year told
        ("Who built it after the 11th century?", "In 1191 Richard built it.", False),  # a bound
        ("Was it built in the 11th century?", "In 1191 Richard built it.", False),  # yes or no
        ("Who ruled in the 11th and 12th centuries?", "In 1191 Richard ruled.", False),
        ("Who ruled in the 5th century BC?", "In 1191 Richard ruled.", False),
        ("Who reformed the church in the 1100s?", "In the early 11th century the dukes reformed it.", True),
        ("What empire was largest by the late 19th century?", "In 1850 Britain's was.", False),  # a bound
        ("Who went to the fort in July 1755?", "An expedition in June 1755 took the fort.", True),  # a month
        ("Who went to the fort in June?", "An expedition in June 1755 took the fort.", False),
        ("Who went to the fort in July?", "An expedition took the fort.", False),  # no month told
        ("Who went to the fort before July?", "An expedition in June 1755 took the fort.", False),
    ],
)
def test_a_question_about_a_century_or_month_its_passage_does_not_tell_of(question, passage, elsewhere):
    assert time_elsewhere(question, passage, passage, KNOWN) is elsewhere


@pytest.mark.parametrize(
    "question, sentence, neighbours",
    [
        ("Who was injured in 2020?", "Two journalists were injured.", "The temple was damaged in the 1990s."),
        ("Who was injured in the 21st century?", "Two were injured.", "It began in the 1990s."),
        ("Who was injured in October?", "Two were injured.", "Since September 27 they have fought."),
    ],
)
def test_a_time_only_a_neighbour_tells_of_does_not_stand_for_the_sentence(question, sentence, neighbours):
    known = KNOWN | {"2020"}
    assert not time_elsewhere(question, sentence, f"{neighbours} {sentence}", known)
    told = sentence.replace("injured", "injured in June 1755")  # the sentence's own other time
    assert time_elsewhere(question, told, f"{neighbours} {told}", known)


def test_a_century_is_not_asked_about():
    """Documents often write "the 1700s" as "the 18th century"."""
    assert not unknown_number("What did they do in the 1700s?", KNOWN)  # KNOWN has no 1700s year
    question = "What did they do in the 1700s?"
    assert not time_elsewhere(question, *["In the 18th century they left."] * 2, KNOWN | {"1700"})


@pytest.mark.parametrize(
    "question, passage",
    [
        ("Why can't the staff return home?", "The staff cannot return home because the roads are mined."),
        ("Didn't the company open a warehouse in Gdansk?", "Its first warehouse opened in Gdansk in 1994."),
        ("What is Lubeck in the 21st century?", "In the twenty-first century it is a Hanseatic city."),
        (
            "Who grew stronger in the 16th century?",
            "It grew from the 13th to the 15th century. Its decline began in the sixteenth century.",
        ),  # fmt: skip
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
    assert not time_elsewhere(question, passage, passage, KNOWN | {"737"})


@pytest.mark.parametrize(
    "sentence, missing",
    [
        ("In 1685, he issued the Edict of Fontainebleau.", False),
        ("It was built in the 1680s.", False),
        ("Vesuvius erupted in AD 79.", False),
        ("Rome was founded in 753 BC.", False),
        ("A royal citadel was built by the Catholic party.", True),
        ("It was built the same year.", False),  # the year is told nearby
        ("She retired in '05.", False),
        ("Students intern in their third year.", False),
        ("Caesar was killed in 44 B.C.", False),
        ("Vesuvius erupted in A.D. 79.", False),
        ("She retired in ’05.", False),
        ("The rule applies from FY2022.", False),
        ("Children start in Year 7.", False),
        ("A second-year student may apply.", False),
    ],
)
def test_a_question_asking_in_what_year_needs_a_year_in_its_passage(sentence, missing):
    assert year_missing("In what year was it built?", sentence) is missing
    assert year_missing("Which year was it built in?", sentence) is missing
    assert not year_missing("When was it built?", sentence)  # "when" may be a day, a time, an event
    assert not year_missing("What year-end deadline was it built by?", sentence)


@pytest.mark.parametrize(
    "question, passage",
    [
        # a prefix written apart, where the passage negates the word itself
        ("Which fees are non-refundable?", "The booking fee is not refundable."),
        (
            "Where did the anti-government protests take place?",
            "Protests against the government filled the square.",
        ),
        ("What non-dairy milk can I use?", "Use any dairy-free milk."),
        ("Which rooms are non-smoking?", "Smoking is not allowed in the rooms; it is on the terrace."),
        ("Is this a non-smoking hotel?", "Smoking is allowed on the terrace."),  # yes or no
        # a count the passage writes otherwise, or of which the asked number is a part
        (
            "What happened to the one journalist who was seriously injured?",
            "Two journalists were injured, one seriously.",
        ),
        ("How were the two reactors damaged?", "Two of the three reactors were damaged."),
        ("Who scored the 2 goals in the second half?", "They scored 3 goals, 2 of them in the second half."),
        (
            "What should I do once the 45 minutes are up?",
            "Bake for forty-five minutes, then five minutes more.",
        ),
        (
            "What does the 2 year warranty cover?",
            "A 2-year warranty covers parts; a 1 year warranty, labour.",
        ),
        ("What is the fee for 2 nights?", "It costs 80 euros a night, less for 3 nights or more."),
        ("What happens if I cancel within 14 days?", "Refunds are given within 30 days."),
        ("Which two teams played in the final?", "Four teams reached the semi-finals; Spain and France won."),
        ("What rooms can fit 4 people?", "Rooms fit 2 people; family suites fit up to 6 people."),
        ("How much flour is needed for 12 cookies?", "The recipe makes 24 cookies with 200 g of flour."),
        ("Which items are non-refundable?", "Tickets are nonrefundable."),
        ("Who founded the Anti-Defamation League?", "The league was founded by Sigmund Livingston."),
        ("How do anti-lock brakes work?", "The system prevents the wheels from locking."),
    ],
)
def test_a_question_the_passage_answers_in_other_words_does_not_contradict_it(question, passage):
    assert not contradicts(question, passage, passage)


@pytest.mark.parametrize(
    "question, passage",
    [
        ("What did the organisers announce on October 9?", "On Oct. 9 they spoke; in September they met."),
        ("What happens at the festival in June?", "The festival runs from May to August."),
        ("What is the weather in July?", "Summers (June to August) are hot."),
        ("Where was the 19th-century poet John Keats born?", "Keats was born in London on 31 October 1795."),
        ("Who built the 12th-century castle?", "Henry II built it; it was restored in 1998."),
        ("What happened at the start of the 20th century?", "In 1900 the line opened."),
        ("Who built the ship in the 18th century?", "The ship cost $1500."),  # money, not a year
        ("What are the opening hours in July?", "The season runs from April 1 to October 31."),
        (
            "What happened after the September 11 attacks?",
            "After the attacks, in October 2001, they invaded.",
        ),
        (
            "What divided the empire in the 9th century?",
            "In 843 the Treaty of Verdun did; it united in 1871.",
        ),
        ("How large was the army in the 16th century?", "In 1550 it counted 1200 cavalry."),
        (
            "How is the building used in the 21st century?",
            "Built in the 19th century, it today houses a museum.",
        ),
        ("What is it in the twenty first century?", "In 2010 it became a museum."),
    ],
)
def test_a_time_the_passage_writes_otherwise_is_not_elsewhere(question, passage):
    assert not time_elsewhere(question, passage, passage, KNOWN)


def test_old_spellings_do_not_crash_the_tests():
    """Under re.I, "ſix" (a long s) matches "six", and "six" was then looked up as "ſix"."""
    for question, passage in [
        ("Who had 9 ships?", "He had ſix or ſeventy ships."),
        ("Who lived there in the 6th century?", "A ſixth-century church; in the ſecond century."),
    ]:
        assert contradicts(question, passage, passage) in (True, False)
        assert time_elsewhere(question, passage, passage, KNOWN) in (True, False)
