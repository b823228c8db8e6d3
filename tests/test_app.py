"""The chat UI for real: app.py in its own process, driven by Debian's Chromium and gradio_client."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import ARTICLE, ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
WAIT = 60_000  # ms


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(*args: str, env: dict | None = None):
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), *args],
                            cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited: {proc.stdout.read()}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except urllib.error.HTTPError:  # up, but e.g. asking for a login
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("app.py did not start within 180 s")


@pytest.fixture(scope="module")
def server():
    proc, url = start_app()
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
    page.wait_for_function("document.querySelectorAll('#citeqa-sources .citeqa-source').length == 1")
    assert "Sergei Lavrov" in sources.locator("#citeqa-source-1 mark").inner_text()

    (ROOT / "docs").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "docs" / "screenshot.png"), full_page=True)

    page.locator("#citeqa-clear").click()
    page.wait_for_function("document.querySelectorAll('#citeqa-chat .message-row').length == 0")
    ask(page, "Who won the war?", "does not say")


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
    page.wait_for_function("document.querySelector('#citeqa-status').innerText.includes('lighthouse.txt')")
    status = page.locator("#citeqa-status").inner_text()
    assert "Indexed 2 document(s) (lighthouse.txt, notes.md)" in status and "sentences" in status

    page.get_by_role("tab", name="Chat").click()
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


def test_bad_uploads_get_clear_messages(page, tmp_path):
    page.get_by_role("tab", name="Documents").click()
    status = page.locator("#citeqa-status")
    page.locator("#citeqa-use").click()
    page.wait_for_function("document.querySelector('#citeqa-status').innerText.includes('Choose one')")
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n", encoding="utf-8")
    page.locator("#citeqa-files input[type=file]").set_input_files(str(empty))
    page.locator("#citeqa-use").click()
    page.wait_for_function("document.querySelector('#citeqa-status').innerText.includes('empty')")
    assert "⚠️" in status.inner_text()

    page.wait_for_function("!document.querySelector('#citeqa-status').innerText.includes('/tmp')")
    assert status.inner_text().startswith("⚠️ empty.txt: the document is empty")

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4 not really")
    big = tmp_path / "big.txt"
    big.write_text("A sentence about nothing. " * 100_000, encoding="utf-8")  # 2.6 MB
    for bad, said in ((pdf, "Invalid file type: report.pdf"), (big, "exceed the maximum allowed size")):
        page.locator("#citeqa-files input[type=file]").set_input_files(str(bad))
        page.locator(".toast-body", has_text=said).wait_for()


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
