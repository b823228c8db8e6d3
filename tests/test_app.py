"""The chat UI for real: app.py in its own process, driven by Debian's Chromium and gradio_client."""

from __future__ import annotations

import os
import tempfile
import urllib.request
from pathlib import Path

import pytest
from conftest import ARTICLE, ROOT, start_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
WAIT = 60_000  # ms


@pytest.fixture(scope="module")
def server():
    proc, url = start_app("--keep-uploads", "2")  # small, to see the oldest dropped
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(server)
    page.locator("#citeqa-question textarea").wait_for()
    yield page
    context.close()


def ask(page, question: str, expect: str) -> None:
    before = page.locator("#citeqa-chat .message-row").count()
    box = page.locator("#citeqa-question textarea")
    box.fill(question)
    box.press("Enter")
    last = page.locator("#citeqa-chat .message-row").nth(before + 1)
    last.wait_for()
    page.wait_for_function(
        "([n, text]) => { const rows = document.querySelectorAll('#citeqa-chat .message-row');"
        " return rows.length > n && rows[n].innerText.includes(text); }",
        arg=[before + 1, expect],
    )


def shows_only(page, number: int, text: str) -> None:
    """The sources panel shows citation ``number`` alone, holding ``text``, and stays so (the
    chat's own select event once re-rendered it with all sources a moment later)."""
    only = (
        "([n, text]) => { const s = document.querySelectorAll('#citeqa-sources .citeqa-source');"
        " const picked = document.querySelector('#citeqa-pick input:checked');"
        " return s.length == 1 && s[0].id == 'citeqa-source-' + n && s[0].innerText.includes(text)"
        " && picked && picked.value == String(n); }"
    )
    page.wait_for_function(only, arg=[number, text])
    page.wait_for_timeout(1500)  # anything still on its way has arrived
    assert page.evaluate(only, [number, text])


def test_chat_follow_up_citations_and_screenshot(page):
    ask(page, "Who did Putin invite to Moscow?", "foreign ministers")
    assert page.locator("#citeqa-chat button[aria-label*='copy' i]").count() >= 1
    sources = page.locator("#citeqa-sources")
    sources.locator("mark").first.wait_for()
    assert "Armenian and Azerbaijani foreign ministers" in sources.locator("mark").first.inner_text()
    assert "nagorno-karabakh-ceasefire.txt · paragraph 3 · characters" in sources.inner_text()

    ask(page, "And who will receive the Armenian one?", "Sergei Lavrov")
    last = page.locator("#citeqa-chat .message-row").last
    last.locator("code", has_text="[1]").click()  # a citation marker picks that source
    shows_only(page, 1, "Sergei Lavrov")

    (ROOT / "docs").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "docs" / "screenshot.png"), full_page=True)

    first = page.locator("#citeqa-chat .message-row").nth(1).locator("code", has_text="[1]")
    first.click()  # an earlier answer's marker: that answer's source
    shows_only(page, 1, "foreign ministers to Moscow")
    marker = last.locator("code", has_text="[1]")
    assert marker.get_attribute("tabindex") == "0" and marker.get_attribute("role") == "button"
    marker.focus()
    page.keyboard.press("Enter")  # from the keyboard too
    shows_only(page, 1, "Sergei Lavrov")

    page.locator("#citeqa-clear").click()
    page.wait_for_function("document.querySelectorAll('#citeqa-chat .message-row').length == 0")
    ask(page, "Who won the war?", "does not say")


def test_copying_a_message_copies_plain_text_with_its_sources(browser, server):
    """Not the chat's Markdown (escapes, "> ", backticks): the question as typed; the quotes,
    each with where it comes from, as `citeqa ask` prints them."""
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(server)
    question = "Who did Putin *invite* to Moscow? [really]"
    ask(page, question, "foreign ministers")
    ask(page, "Who won the war?", "does not say")
    copy = page.locator("#citeqa-chat button[aria-label='Copy message']")
    copy.nth(1).click()
    page.locator("#citeqa-chat button[data-copied]").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    article = ARTICLE.read_text(encoding="utf-8")
    quote = copied.split("“")[1].split("”")[0]
    assert quote in article and quote.startswith("Russian President Vladimir Putin invited")
    assert "\\" not in copied and "`" not in copied and not copied.startswith(">")
    start = article.index(quote)
    assert copied.endswith(f"[1] {ARTICLE.name}, paragraph 3, characters {start}–{start + len(quote)}")
    copy.nth(0).click()
    page.wait_for_function("t => navigator.clipboard.readText().then(c => c == t)", arg=question)
    copy.nth(3).click()
    page.wait_for_function("() => navigator.clipboard.readText().then(c => c.startsWith('The article does'))")
    context.close()


def test_the_sources_follow_a_new_answer_after_an_earlier_one_was_picked(page):
    ask(page, "Who did Putin invite to Moscow?", "foreign ministers")
    ask(page, "How many people fled their homes?", "70,000")
    sources = page.locator("#citeqa-sources")
    page.locator("#citeqa-chat .message-row").nth(1).click()  # the first answer
    shows = "text => document.querySelector('#citeqa-sources').innerText.includes(text)"
    page.wait_for_function(shows, arg="foreign ministers")
    page.locator("#citeqa-pick label").first.click()
    page.wait_for_function("document.querySelectorAll('#citeqa-sources .citeqa-source').length == 1")
    ask(page, "And who will receive the Armenian one?", "Sergei Lavrov")
    page.wait_for_function(shows, arg="Sergei Lavrov")
    assert "Sergei Lavrov" in sources.locator("mark").first.inner_text()


def test_a_refused_question_stays_in_the_box(page):
    """Too long to ask: the chat says why, shows the question's start, and the box keeps all of
    it to be shortened; nothing joins the history (the next answer is not a follow-up of it)."""
    assert page.locator("#citeqa-asking").inner_text() == "Asking: nagorno-karabakh-ceasefire.txt"
    question = "Who did Putin invite to Moscow? " + "Please tell me. " * 150  # 2,432 characters
    ask(page, question, "ask in at most 2,000.")
    said = page.locator("#citeqa-chat .message-row").nth(1).inner_text()
    assert said.strip() == "⚠️ The question is 2,431 characters long; ask in at most 2,000."
    box = page.locator("#citeqa-question textarea")
    assert box.input_value() == question  # as typed, untouched
    shown = page.locator("#citeqa-chat .message-row").nth(0).inner_text()
    assert shown.startswith("Who did Putin invite") and shown.rstrip().endswith("…") and len(shown) < 400
    ask(page, "How many people fled their homes?", "70,000")
    assert box.input_value() == ""


def test_a_question_typed_while_an_answer_is_on_its_way_stays_in_the_box(page):
    """The box empties as a question is sent, and the next one can be typed meanwhile: the
    answer used to empty the box later, and with it what had been typed since. Sent before
    the answer came, the next question is not lost either: it stays in the box."""
    box = page.locator("#citeqa-question textarea")
    box.fill("Who did Putin invite to Moscow?")
    box.press("Enter")
    # the rows are counted in the frame the box empties, not a round trip later, when a quick
    # answer may have come
    emptied = page.wait_for_function(
        "document.querySelector('#citeqa-question textarea').value == '' &&"
        " String(document.querySelectorAll('#citeqa-chat .message-row').length)"
    )
    assert int(emptied.json_value()) == 0  # emptied before the answer came
    box.press_sequentially("How many people fled their homes?")  # typed, key by key
    box.press("Enter")  # while the answer may still be on its way
    rows = page.locator("#citeqa-chat .message-row")
    rows.nth(1).wait_for()
    page.wait_for_timeout(1500)  # anything still on its way has arrived
    assert "foreign ministers" in rows.nth(1).inner_text()
    if rows.count() == 2:  # the second Enter came while the first answer was on its way
        assert box.input_value() == "How many people fled their homes?"
        box.press("Enter")
    page.wait_for_function("document.querySelectorAll('#citeqa-chat .message-row').length == 4")
    assert "70,000" in rows.nth(3).inner_text()
    page.wait_for_function("document.querySelector('#citeqa-question textarea').value == ''")


def test_on_a_phone_the_sources_come_right_after_the_chat(browser, server):
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.set_default_timeout(WAIT)
    page.goto(server)
    page.locator("#citeqa-question textarea").wait_for()
    assert "Click a marker" in page.locator("#citeqa-chat").inner_text()  # the empty chat says how
    assert page.locator("#citeqa-chat code[role=button]").count() == 0  # its "[1]" is no button
    ask(page, "Who did Putin invite to Moscow?", "foreign ministers")
    top = {k: page.locator(k).bounding_box()["y"] for k in ("#citeqa-clear", "#citeqa-sources")}
    examples = page.get_by_text("Example questions").bounding_box()["y"]
    assert top["#citeqa-clear"] < top["#citeqa-sources"] < examples  # stacked: chat, sources, examples
    assert page.locator("#citeqa-chat [data-testid=block-label]").count() == 0  # it covered the first line
    page.evaluate("window.scrollTo(0, 0)")
    in_view = "() => { const r = document.querySelector('#citeqa-sources').getBoundingClientRect();" \
              " return r.top >= 0 && r.top < window.innerHeight; }"  # fmt: skip
    assert not page.evaluate(in_view)  # below the fold, under the chat
    page.locator("#citeqa-chat code[role=button]").first.click()
    page.wait_for_function(in_view)  # a tapped marker brings its source into view
    page.context.close()


def test_sessions_do_not_share_chats(page, browser, server):
    ask(page, "Who did Putin invite to Moscow?", "foreign ministers")
    other = browser.new_context().new_page()
    other.goto(server)
    other.locator("#citeqa-question textarea").wait_for()
    assert other.locator("#citeqa-chat .message-row").count() == 0
    ask(other, "How many people fled their homes?", "70,000")
    assert "70,000" not in page.locator("#citeqa-chat").inner_text()
    other.context.close()


def test_article_can_be_read(page):
    page.get_by_role("tab", name="Documents").click()
    text = page.locator("#citeqa-document textarea").input_value()
    assert text == ARTICLE.read_text(encoding="utf-8")


def test_upload_and_ask_shows_html_as_text(page, tmp_path):
    bundled = {p.name: p.read_bytes() for p in (ROOT / "index").iterdir()}
    evil = tmp_path / "lighthouse.txt"
    evil.write_text(
        "The Bell Rock Lighthouse stands 35 metres tall off the coast of Angus.\n\n"
        'Its keeper wrote <img src=x onerror="window.__pwned=1"> in the log every night.\n\n'
        "<script>window.__pwned=2</script> The light was first lit in 1811.\n",
        encoding="utf-8",
    )
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nThe lighthouse was painted white in 1902.\n", encoding="utf-8")
    page.get_by_role("tab", name="Documents").click()
    page.locator("#citeqa-files input[type=file]").set_input_files([str(evil), str(notes)])
    page.locator("#citeqa-use").click()
    page.wait_for_function("document.querySelector('#citeqa-status').innerText.includes('Indexed 2')")
    status = page.locator("#citeqa-status").inner_text()
    assert "Indexed 2 documents (lighthouse.txt, notes.md)" in status and "sentences" in status
    assert "A new chat about them" in status

    page.get_by_role("tab", name="Chat").click()
    assert page.locator("#citeqa-asking").inner_text() == "Asking: lighthouse.txt, notes.md"
    assert "your documents" in page.locator("#citeqa-question textarea").get_attribute("placeholder")
    assert not page.get_by_text("Example questions").is_visible()  # they are about the article
    ask(page, "How tall is the lighthouse?", "35 metres")
    ask(page, "What did the keeper write in the log every night?", "onerror")
    shown = page.locator("#citeqa-sources").inner_text()
    assert '<img src=x onerror="window.__pwned=1">' in shown
    ask(page, "When was the light first lit? <b>really</b>", "1811")
    rows = page.locator("#citeqa-chat .message-row")
    assert "<b>really</b>" in rows.nth(rows.count() - 2).inner_text()
    assert "<script>window.__pwned=2</script>" in rows.last.inner_text()
    assert page.evaluate("window.__pwned") is None
    assert {p.name: p.read_bytes() for p in (ROOT / "index").iterdir()} == bundled

    page.get_by_role("tab", name="Documents").click()
    page.locator("#citeqa-back").click()
    page.wait_for_function("document.querySelector('#citeqa-status').innerText.includes('in a new chat')")
    page.get_by_role("tab", name="Chat").click()
    page.wait_for_function("document.querySelector('#citeqa-asking').innerText.includes('nagorno')")
    assert "the article" in page.locator("#citeqa-question textarea").get_attribute("placeholder")
    assert page.get_by_text("Example questions").is_visible()


def test_while_uploads_are_indexed_the_chat_waits_and_shows_progress(page, browser, server, tmp_path):
    """A question asked meanwhile would go to the article, and the new chat would replace it.
    Another session's small upload does not wait for this one."""
    notes = tmp_path / "ledger.txt"
    notes.write_text("".join(f"Entry {n} of the ledger records {n * 7} barrels of oil shipped to port "
                             f"number {n % 13}.\n\n" for n in range(700)), encoding="utf-8")  # fmt: skip
    page.get_by_role("tab", name="Documents").click()
    page.locator("#citeqa-files input[type=file]").set_input_files(str(notes))
    page.locator("#citeqa-use").click()
    page.wait_for_function("document.querySelector('#citeqa-question textarea').disabled")
    assert page.locator("#citeqa-ask").is_disabled() and page.locator("#citeqa-use").is_disabled()
    assert page.locator("#citeqa-back").is_disabled() and page.locator("#citeqa-clear").is_disabled()
    bar = page.locator("#citeqa-status [role=progressbar][aria-label=Embedding]")
    bar.wait_for()
    assert "Indexing ledger.txt" in page.locator("#citeqa-status").inner_text()
    other = browser.new_context().new_page()
    other.set_default_timeout(WAIT)
    other.goto(server)
    (tmp_path / "memo.txt").write_text("The memo says the port closes at noon.", encoding="utf-8")
    upload(other, tmp_path / "memo.txt")
    assert "Indexed" not in page.locator("#citeqa-status").inner_text()  # the ledger is still going
    other.context.close()
    page.wait_for_function("document.querySelector('#citeqa-status').innerText.includes('Indexed')")
    assert "700 sentences" in page.locator("#citeqa-status").inner_text()
    assert not page.locator("#citeqa-question textarea").is_disabled()
    assert page.locator("#citeqa-ask").is_enabled() and page.locator("#citeqa-back").is_enabled()
    assert page.locator("#citeqa-clear").is_enabled()
    page.get_by_role("tab", name="Chat").click()
    assert "your documents" in page.get_by_role("textbox", name="Question").get_attribute("placeholder")
    ask(page, "How many barrels does entry 12 of the ledger record?", "84 barrels")

    page.get_by_role("tab", name="Documents").click()
    page.locator("#citeqa-files", has_text="53.9").wait_for()  # the file, by its size
    page.locator("#citeqa-back").click()
    page.wait_for_function("!document.querySelector('#citeqa-files').innerText.includes('53.9')")
    assert "Drop File Here" in page.locator("#citeqa-files").inner_text()  # emptied, ready for new ones


def upload(page, path: Path) -> None:
    page.get_by_role("tab", name="Documents").click()
    page.locator("#citeqa-files input[type=file]").set_input_files([str(path)])
    page.locator("#citeqa-use").click()
    page.wait_for_function(f"document.querySelector('#citeqa-status').innerText.includes('Indexed 1 "
                           f"document ({path.name})')")  # fmt: skip
    page.get_by_role("tab", name="Chat").click()


def test_a_session_whose_upload_was_dropped_is_told_to_upload_again(page, browser, server, tmp_path):
    """The server keeps two uploaded collections; a third session's upload drops the first's."""
    (tmp_path / "bees.txt").write_text("Honey bees visit about two million flowers for one pound of honey.")
    (tmp_path / "owls.txt").write_text("Barn owls swallow their prey whole and cough up pellets.")
    (tmp_path / "moss.txt").write_text("Moss has no roots; it holds on with thin threads called rhizoids.")
    upload(page, tmp_path / "bees.txt")
    ask(page, "How many flowers do bees visit?", "two million")
    others = [browser.new_context().new_page() for _ in range(2)]
    for other, name in zip(others, ["owls.txt", "moss.txt"], strict=True):
        other.set_default_timeout(WAIT)
        other.goto(server)
        upload(other, tmp_path / name)
    ask(others[1], "What do mosses hold on with?", "rhizoids")  # the newest still answers
    ask(page, "How many flowers do bees visit?", "upload them again")
    assert "bundled article" in page.locator("#citeqa-chat .message-row").last.inner_text()
    for other in others:
        other.context.close()


def test_a_double_click_indexes_the_uploads_once(page, browser, server, tmp_path):
    """The server keeps two uploaded collections: had the double click indexed twice, the two
    new ones would have dropped the first session's."""
    (tmp_path / "bees.txt").write_text("Honey bees visit about two million flowers for one pound of honey.")
    (tmp_path / "owls.txt").write_text("Barn owls swallow their prey whole and cough up pellets.")
    upload(page, tmp_path / "bees.txt")
    other = browser.new_context().new_page()
    other.set_default_timeout(WAIT)
    other.goto(server)
    other.get_by_role("tab", name="Documents").click()
    other.locator("#citeqa-files input[type=file]").set_input_files(str(tmp_path / "owls.txt"))
    other.locator("#citeqa-use").dblclick()
    other.wait_for_function("document.querySelector('#citeqa-status').innerText.includes('Indexed 1')")
    other.wait_for_timeout(3000)  # a second run, had there been one, would have ended by now
    ask(page, "How many flowers do bees visit?", "two million")
    other.get_by_role("tab", name="Chat").click()  # and the double-clicking session can ask
    assert not other.locator("#citeqa-question textarea").is_disabled()
    ask(other, "What do barn owls cough up?", "pellets")
    other.context.close()


def test_bad_uploads_get_clear_messages(page, tmp_path):
    page.get_by_role("tab", name="Documents").click()
    status = page.locator("#citeqa-status")
    page.locator("#citeqa-use").click()
    page.wait_for_function("document.querySelector('#citeqa-status').innerText.includes('Choose one')")
    assert status.inner_text().endswith("The chat still asks nagorno-karabakh-ceasefire.txt.")
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n", encoding="utf-8")
    page.locator("#citeqa-files input[type=file]").set_input_files(str(empty))
    page.locator("#citeqa-use").click()
    page.wait_for_function("document.querySelector('#citeqa-status').innerText.includes('⚠️ empty.txt')")

    page.wait_for_function("!document.querySelector('#citeqa-status').innerText.includes('/tmp')")
    assert status.inner_text().startswith("⚠️ empty.txt: the document is empty. The chat still asks")

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4 not really")
    big = tmp_path / "big.txt"
    big.write_text("A sentence about nothing. " * 100_000, encoding="utf-8")  # 2.6 MB
    for bad, said in ((pdf, "Invalid file type: report.pdf"), (big, "exceed the maximum allowed size")):
        page.locator("#citeqa-files input[type=file]").set_input_files(str(bad))
        page.locator(".toast-body", has_text=said).wait_for()


def test_a_new_upload_of_the_same_name_is_shown_and_quoted_as_written(page, tmp_path):
    """The Documents tab shows the new text (the picker's value did not change, so it alone
    would not have reloaded it), and "$$" in a quote is text, not mathematics."""
    formula = tmp_path / "formula.md"
    formula.write_text("The formula $$E=mc^2$$ was written on the board by the teacher.\n", encoding="utf-8")
    upload(page, formula)
    assert "1 sentence, 1 passage" in page.locator("#citeqa-status").inner_text()
    ask(page, "What was written on the board?", "E=mc^2")
    assert "$$E=mc^2$$" in page.locator("#citeqa-chat .message-row").last.inner_text()
    assert page.locator("#citeqa-chat .katex").count() == 0

    page.get_by_role("tab", name="Documents").click()
    assert "$$E=mc^2$$" in page.locator("#citeqa-document textarea").input_value()
    page.locator("#citeqa-files button[aria-label='Clear']").click()
    formula.write_text("The board was wiped clean on Friday.\n", encoding="utf-8")
    upload(page, formula)
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_function("document.querySelector('#citeqa-document textarea').value.includes('wiped')")


def test_misnamed_and_too_many_files_are_refused(page, tmp_path):
    page.get_by_role("tab", name="Documents").click()
    photo = tmp_path / "photo.txt"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    page.locator("#citeqa-files input[type=file]").set_input_files(str(photo))
    page.locator("#citeqa-use").click()
    page.wait_for_function("document.querySelector('#citeqa-status').innerText.includes('⚠️ photo.txt')")
    assert "binary" in page.locator("#citeqa-status").inner_text()
    twins = [tmp_path / folder / "notes.txt" for folder in ("june", "july")]
    for twin in twins:
        twin.parent.mkdir()
        twin.write_text(f"Notes from {twin.parent.name}.\n", encoding="utf-8")
    page.locator("#citeqa-files button[aria-label='Clear']").click()
    page.locator("#citeqa-files input[type=file]").set_input_files([str(p) for p in twins])
    page.locator("#citeqa-use").click()
    page.wait_for_function("document.querySelector('#citeqa-status').innerText.includes('Two files')")
    assert "Two files are named notes.txt" in page.locator("#citeqa-status").inner_text()
    many = []
    for n in range(25):
        many.append(tmp_path / f"note-{n}.txt")
        many[-1].write_text(f"Note number {n} says nothing much.\n", encoding="utf-8")
    page.locator("#citeqa-files input[type=file]").set_input_files([str(p) for p in many])
    page.locator("#citeqa-use").click()
    page.wait_for_function("document.querySelector('#citeqa-status').innerText.includes('too many')")
    assert "files is too many: upload at most 10 at a time" in page.locator("#citeqa-status").inner_text()


def test_upload_names_with_path_parts_stay_in_the_upload_folder(server, tmp_path):
    """Gradio's upload route, called directly: a name like ../../x cannot place a file."""
    import httpx

    names = ["../../../../tmp/citeqa-escape.txt", "..\\..\\citeqa-escape.txt", "/etc/citeqa-escape.txt"]
    files = [("files", (name, b"Harmless text.", "text/plain")) for name in names]
    response = httpx.post(server + "gradio_api/upload", files=files, timeout=30)
    assert response.status_code == 200, response.text
    stored = [Path(p).resolve() for p in response.json()]
    upload_root = Path(os.environ.get("GRADIO_TEMP_DIR", Path(tempfile.gettempdir()) / "gradio")).resolve()
    for path in stored:
        assert path.is_relative_to(upload_root), path
        assert "citeqa-escape" in path.name and ".." not in path.parts
    for outside in (Path("/tmp"), Path("/etc"), ROOT, upload_root):
        assert not (outside / "citeqa-escape.txt").exists()


def test_ask_api_through_gradio_client(server):
    from gradio_client import Client

    client = Client(server, verbose=False)
    first = client.predict("Who did Putin invite to Moscow?", [], api_name="/ask")
    history = [{"role": "user", "content": "Who did Putin invite to Moscow?"},
               {"role": "assistant", "content": first["text"]}]  # fmt: skip
    follow = client.predict("And who will receive the Armenian one?", history, api_name="/ask")
    text = ARTICLE.read_text(encoding="utf-8")
    for answer in (first, follow):
        assert answer["citations"] and not answer["abstained"]
        for c in answer["citations"]:
            assert text[c["start"] : c["end"]] == c["quote"]
    assert any("Sergei Lavrov" in c["quote"] for c in follow["citations"])
    assert "empty" in client.predict("  ", [], api_name="/ask")["error"]


def test_password_protects_pages_and_api():
    proc, url = start_app(env={"CITEQA_USERNAME": "reader", "CITEQA_PASSWORD": "s3cret"})
    try:
        # The page itself is only the login form: the app's config and every API route say 401.
        for path in ("config", "gradio_api/info", "gradio_api/file=" + str(ARTICLE)):
            with pytest.raises(urllib.error.HTTPError) as denied:
                urllib.request.urlopen(url + path, timeout=10).read()
            assert denied.value.code == 401
        call = urllib.request.Request(url + "gradio_api/call/ask", data=b'{"data": ["Who?", []]}',
                                      headers={"Content-Type": "application/json"})  # fmt: skip
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(call, timeout=10).read()
        assert denied.value.code == 401
        from gradio_client import Client

        answer = Client(url, auth=("reader", "s3cret"), verbose=False).predict(
            "How many people fled their homes?", [], api_name="/ask")  # fmt: skip
        assert "70,000" in answer["citations"][0]["quote"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_app_makes_no_outside_connection(tmp_path, browser):
    """Every socket connect, sendto and name look-up of the app process, from start to answer,
    logged by an audit hook (tests/netwatch): only loopback."""
    import json

    log = tmp_path / "net.log"
    env = {"PYTHONPATH": str(ROOT / "tests" / "netwatch"), "CITEQA_NET_LOG": str(log)}
    proc, url = start_app(env=env)
    try:
        page = browser.new_page()
        page.set_default_timeout(WAIT)
        page.goto(url)
        ask(page, "Who did Putin invite to Moscow?", "foreign ministers")
        page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert events, "the audit hook saw nothing: is tests/netwatch on the app's PYTHONPATH?"
    loopback = ("'127.", "('127.", "'localhost'", "('localhost'", "('::1'", "'::1'")
    outside = [e for e in events if not e[1].startswith(loopback) and not e[1].startswith("'/")]
    assert outside == [], outside


def test_sources_of_an_answer_from_documents_no_longer_open(assistant):
    """An answer that arrives after the chat switched to other documents (a question in flight
    when an upload finished) gets a message in the sources panel, not an error."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("citeqa_app", ROOT / "app.py")
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    record = assistant.ask("Who did Putin invite to Moscow?").to_dict()
    assert "<mark>Russian President Vladimir Putin" in app.show_sources(assistant, record)
    from citeqa import Assistant

    other = Assistant.from_texts(
        {"memo.txt": "The memo says the port closes at noon."}, encoder=assistant.encoder
    )
    assert "no longer open in this chat" in app.show_sources(other, record)
