import pytest

from citeqa.answer import escape_markdown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("- Mars is red.", r"\- Mars is red."),  # not a bullet
        ("+ Venus is hot.", r"\+ Venus is hot."),
        ("2020. A year of war.", r"2020\. A year of war."),  # not an ordered list from 2020
        ("3) Three.", r"3\) Three."),
        ("2020.", r"2020\."),  # a sentence of its own
        ("01.", r"01\."),
        ("-5 degrees, 12.5 %, x - y, 2020 was long.", "-5 degrees, 12.5 %, x - y, 2020 was long."),
        ("**bold** <b>x</b> [1](y) # h", r"\*\*bold\*\* \<b\>x\</b\> \[1\](y) \# h"),
        ("Two\nlines  and\tspaces", "Two lines and spaces"),
    ],
)
def test_escape_markdown_shows_text_literally(text, shown):
    assert escape_markdown(text) == shown
