from citeqa.clean import paragraphs


def test_article_noise_captions_and_title(article_text):
    found = paragraphs(article_text)
    by_kind = {}
    for p in found:
        by_kind.setdefault(p.kind, []).append(article_text[p.start : p.end])
    assert by_kind["title"] == [article_text.splitlines()[0]]
    assert "[ad_1]" in by_kind["noise"] and "[ad_2]" in by_kind["noise"]
    assert "See G1’s most viewed videos" in by_kind["noise"]
    heading = "5 points to understand the confrontations between Armenia and Azerbaijan"
    assert by_kind["heading"].count(heading) == 1 and by_kind["noise"].count(heading) == 1
    assert "Nagorno-Karabakh conflict" in by_kind["heading"]
    assert len(by_kind["caption"]) == 3
    assert any("remains of a missile" in c for c in by_kind["caption"])


def test_spans_are_exact_and_trimmed():
    text = "  Head  \n\n  • UNDERSTAND: a point\n[ad_1]\nBody line one\nline two.\n"
    found = paragraphs(text)
    assert [text[p.start : p.end] for p in found] == [
        "Head",
        "UNDERSTAND: a point",
        "[ad_1]",
        "Body line one\nline two.",
    ]
    assert [p.kind for p in found] == ["title", "text", "noise", "text"]
