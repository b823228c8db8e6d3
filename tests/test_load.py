import pytest

from citeqa.errors import DocumentError
from citeqa.load import html_to_text, load_path, load_paths


def test_txt_and_md_are_read_exactly(tmp_path):
    text = "Title\r\n\r\nA café costs 3.50 €. Really?\n"
    for name in ("a.txt", "b.md"):
        (tmp_path / name).write_text(text, encoding="utf-8", newline="")
        doc = load_path(tmp_path / name)
        assert doc.text == text and doc.doc_id == name


def test_html_keeps_main_text_and_drops_scripts(tmp_path):
    page = (
        "<html><head><title>T</title><script>alert(1)</script></head><body><nav>Menu</nav>"
        "<p>First &amp; foremost.</p><p>Second <b>bold</b> one.</p><footer>Legal</footer></body></html>"
    )
    (tmp_path / "p.html").write_text(page, encoding="utf-8")
    text = load_path(tmp_path / "p.html").text
    assert "First & foremost." in text and "Second bold one." in text
    assert "alert" not in text and "Menu" not in text and "Legal" not in text
    assert html_to_text("<p>a</p><p>b</p>") == "a\n\nb\n"


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>T</title><meta charset=utf-8><body><p>The dam holds 40 tonnes.</p></body>",
        "<html><head><title>T</title><p>The dam holds 40 tonnes.</p>",  # no </head>, no <body>
        "<head><title>T</title>The dam holds 40 tonnes.",  # text straight after the head's title
        "<head><template><div>tpl</div></template><noscript><iframe src=x></iframe></noscript>"
        "<title>T</title></head><body><p>The dam holds 40 tonnes.</p>",
        "<html><body><form id=aspnetForm><input name=v><div><p>The dam holds 40 tonnes.</p></div>"
        "<textarea>draft</textarea><select><option>menu</select></form></body></html>",
    ],
    ids=["head-not-closed", "head-and-body-omitted", "text-in-head", "template-in-head", "aspnet-form"],
)
def test_html_pages_that_leave_tags_out_keep_their_text(page):
    assert html_to_text(page) == "The dam holds 40 tonnes.\n"


def test_html_line_breaks_stay_inside_a_paragraph_and_the_articles_header_is_kept():
    page = (
        "<body><header><nav>Home</nav>The Site</header><article><header><h1>Dam holds</h1></header>"
        "<p>The dam holds<br>40 tonnes.<br/><br/>It was built in 1990.</p></article><footer>x</footer></body>"
    )
    assert html_to_text(page) == "Dam holds\n\nThe dam holds\n40 tonnes.\n\nIt was built in 1990.\n"
    assert html_to_text("<p>Hello</br>world.</p><section><header><h2>Part</h2></header>x</section>") == (
        "Hello\nworld.\n\nPart\n\nx\n"
    )


def test_a_page_without_readable_text_says_so(tmp_path):
    page = "<html><body><script>render()</script></body></html>"
    (tmp_path / "app.html").write_text(page, encoding="utf-8")
    with pytest.raises(DocumentError, match="no readable text found"):
        load_path(tmp_path / "app.html")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bin.txt", b"\x00\x01\x02abc", "binary"),
        ("latin.txt", "café".encode("latin-1"), "not UTF-8"),
        ("empty.txt", b"  \n\n ", "empty"),
        ("doc.pdf", b"%PDF-1.4", "unsupported file type"),
        ("wide.txt", "Notes on the café.".encode("utf-16"), "UTF-16 text; save it as UTF-8"),
    ],
)
def test_bad_files_get_clear_errors(tmp_path, name, data, message):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(DocumentError, match=message):
        load_path(tmp_path / name)


def test_missing_file_or_a_folder(tmp_path):
    with pytest.raises(DocumentError, match="no such file"):
        load_path(tmp_path / "nope.txt")
    (tmp_path / "notes").mkdir()
    with pytest.raises(DocumentError, match="notes is a folder; give the files in it"):
        load_path(tmp_path / "notes")


def test_files_of_the_same_name_are_told_apart_by_their_folders(tmp_path):
    paths = []
    for folder in ("2020/june", "2021/june", "july"):
        (tmp_path / folder).mkdir(parents=True)
        paths.append(tmp_path / folder / "notes.txt")
        paths[-1].write_text(f"Notes from {folder}.", encoding="utf-8")
    (tmp_path / "other.txt").write_text("Other notes.", encoding="utf-8")
    docs = load_paths([*paths, tmp_path / "other.txt"])
    assert [d.doc_id for d in docs] == [
        "2020/june/notes.txt",
        "2021/june/notes.txt",
        "july/notes.txt",
        "other.txt",
    ]
    assert [d.text for d in docs[:3]] == [
        "Notes from 2020/june.",
        "Notes from 2021/june.",
        "Notes from july.",
    ]
    with pytest.raises(DocumentError, match="notes.txt is given twice"):
        load_paths([paths[0], tmp_path / "2020" / ".." / "2020" / "june" / "notes.txt"])
