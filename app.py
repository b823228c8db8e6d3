"""citeqa's chat: a thin Gradio layer over citeqa.Assistant (every answer comes from it).

    python app.py [--host 127.0.0.1] [--port 7860] [--username U --password P] [--index-dir index/]
                  [--keep-uploads 32]

Each option can also come from CITEQA_HOST, CITEQA_PORT, CITEQA_USERNAME, CITEQA_PASSWORD,
CITEQA_INDEX_DIR, CITEQA_KEEP_UPLOADS. A missing, stale or damaged index is rebuilt; when it cannot be written
(read-only folder, full disk) the app says so and answers from an index kept in memory.
"""

from __future__ import annotations

import os

# Before gradio and huggingface_hub are imported: no analytics, no hub look-ups.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_OFFLINE"] = "1"

import argparse  # noqa: E402
import html  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import OrderedDict  # noqa: E402
from pathlib import Path  # noqa: E402

import gradio as gr  # noqa: E402

from citeqa import Answer, Assistant, CiteqaError, IndexWriteError  # noqa: E402
from citeqa.answer import escape_markdown  # noqa: E402
from citeqa.index import counted  # noqa: E402
from citeqa.load import SUFFIXES, load_path  # noqa: E402

ROOT = Path(__file__).resolve().parent
ARTICLE = ROOT / "data" / "nagorno-karabakh-ceasefire.txt"
INDEX = ROOT / "index"
MAX_FILES = 10
MAX_FILE_BYTES = 2 * 1024 * 1024
PRIVATE = {"api_visibility": "private"}  # UI events are not API endpoints; /ask is
KEEP_UPLOADS = 32  # uploaded collections kept in memory, least recently used dropped
PLACEHOLDER = {False: "Ask a question about the article…", True: "Ask a question about your documents…"}
INDEXING = "Indexing your documents: a new chat about them opens when it is done…"
# uploads indexed at the same time, across sessions: a small one need not wait for a large one
UPLOADS_AT_ONCE = 2
DOUBLE_CLICK_SECONDS = 5  # a second run of the same upload this soon after the first is a double click
CHAT_PLACEHOLDER = ("Each answer quotes the text word for word. Click a marker such as `[1]` to see "
                    "the quote in its paragraph under Sources.")  # fmt: skip
SHOWN_CHARS = 300  # of a refused question, in the chat (the box keeps all of it)
EXAMPLES = [
    "Who did Putin invite to Moscow?",
    "How many people fled their homes?",
    "What was found on a balcony in Stepanakert?",
    "Who won the war?",
]
# Sending a question empties the box in the browser (the values sent are already taken), so
# that the next one can be typed while the answer comes; a refused one is put back after,
# unless another was typed meanwhile.
SENDING = """(...values) => {
  const box = document.querySelector('#citeqa-question textarea');
  box.value = '';
  box.dispatchEvent(new Event('input', {bubbles: true}));
  return values;
}"""
PUT_BACK = "(box, refused) => refused && !box.trim() ? refused : box"
CSS = """
.citeqa-source { border-left: 3px solid #f5b301; padding: 0.3em 0.8em; margin-bottom: 0.8em; }
.citeqa-source .where { font-size: 0.85em; opacity: 0.8; margin-bottom: 0.3em; }
.citeqa-source p { white-space: pre-wrap; margin: 0; }
.citeqa-source mark { background: #ffe58a; color: #000; padding: 0 0.1em; }
#citeqa-chat .message-row code { cursor: pointer; }
#citeqa-jump, #citeqa-copies { display: none; }
#citeqa-chat button[data-copied]::after { content: "Copied"; font-size: 0.75em; margin-left: 0.3em; }
"""
# A citation marker (rendered as inline code "[n]") in the chat is a button: clicked, or Enter on
# it, it shows that source of its answer. It tells the server through a hidden box, "turn:n:t",
# and stops the click there, so the chat's own select (which shows all of that answer's sources)
# does not race it.
JS = """
() => {
  const marker = (el) => {
    const code = el && el.closest && el.closest('#citeqa-chat .message-row code');
    return code && /^\\[\\d+\\]$/.test(code.textContent.trim()) ? code : null;
  };
  const show = (e, code) => {
    e.stopPropagation();
    e.preventDefault();
    const rows = [...document.querySelectorAll('#citeqa-chat .message-row')];
    const turn = Math.floor(rows.indexOf(code.closest('.message-row')) / 2);
    const box = document.querySelector('#citeqa-jump textarea');
    box.value = turn + ':' + code.textContent.trim().slice(1, -1) + ':' + Date.now();
    box.dispatchEvent(new Event('input', {bubbles: true}));
    // On a phone the panel is below the chat: bring it into view, or the tap seems to do nothing.
    const panel = document.querySelector('#citeqa-sources');
    const at = panel && panel.getBoundingClientRect();
    if (at && (at.top > window.innerHeight || at.bottom < 0)) panel.scrollIntoView({block: 'start'});
  };
  document.addEventListener('click', (e) => { const c = marker(e.target); if (c) show(e, c); }, true);
  // A message's copy button copies it as plain text (citeqa-copies holds one per message: the
  // question as typed, the quotes with where each comes from), not as the chat's Markdown.
  document.addEventListener('click', (e) => {
    const button = e.target.closest && e.target.closest('#citeqa-chat button[aria-label="Copy message"]');
    const box = document.querySelector('#citeqa-copies textarea');
    if (!button || !box) return;
    const rows = [...document.querySelectorAll('#citeqa-chat .message-row')];
    const before = (r) => r.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING;
    const row = rows.filter(before).pop();  // the message the button belongs to
    const text = row && JSON.parse(box.value || '[]')[rows.indexOf(row)];
    if (typeof text !== 'string') return;
    e.stopPropagation();
    e.preventDefault();
    const done = () => { button.dataset.copied = ''; setTimeout(() => delete button.dataset.copied, 1500); };
    const fallback = () => {  // no clipboard API outside a secure context (plain http to another host)
      const area = Object.assign(document.createElement('textarea'), {value: text});
      document.body.append(area);
      area.select();
      if (document.execCommand('copy')) done();
      area.remove();
    };
    if (!navigator.clipboard || !window.isSecureContext) return fallback();
    navigator.clipboard.writeText(text).then(done, fallback);
  }, true);
  document.addEventListener('keydown', (e) => {
    const c = marker(e.target);
    if (c && (e.key === 'Enter' || e.key === ' ')) show(e, c);
  }, true);
  new MutationObserver(() => {
    for (const code of document.querySelectorAll('#citeqa-chat .message-row code:not([tabindex])')) {
      if (!marker(code)) continue;
      code.tabIndex = 0;
      code.setAttribute('role', 'button');
      code.setAttribute('aria-label', 'Show source ' + code.textContent.trim());
    }
  }).observe(document.body, {childList: true, subtree: true});
}
"""


class Collections:
    """Per-session uploaded documents, each an in-memory Assistant; bounded, thread-safe."""

    def __init__(self, default: Assistant, keep: int = KEEP_UPLOADS) -> None:
        self.default, self.keep = default, keep
        self._items: OrderedDict[str, Assistant] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str | None) -> Assistant:
        """The session's uploaded collection, or the bundled article when it has none.

        Raises:
            CiteqaError: the session's collection was dropped to make room for newer ones.
        """
        if key is None:
            return self.default
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        raise CiteqaError(
            f"Your uploaded documents were closed to make room for newer uploads (this server keeps "
            f"the latest {self.keep}); upload them again, or go back to the bundled article"
        )

    def add(self, assistant: Assistant) -> str:
        key = uuid.uuid4().hex
        with self._lock:
            self._items[key] = assistant
            while len(self._items) > self.keep:
                self._items.popitem(last=False)
        return key


def show_message(answer: Answer) -> str:
    """The chat text of an answer: quotes as block quotes, markers as clickable `[n]`."""
    if answer.abstained:
        return escape_markdown(answer.text)
    return "\n>\n".join(f"> {escape_markdown(c.quote)} `[{c.number}]`" for c in answer.citations)


def show_sources(assistant: Assistant, answer: dict | None, pick: str | None = None) -> str:
    """Each cited passage in its paragraph, the quote highlighted; all shown as text, not HTML."""
    if not answer:
        return "<p>Sources of the latest answer appear here.</p>"
    if not answer["citations"]:
        return "<p>No sources: the documents do not answer this question.</p>"
    blocks = []
    for c in answer["citations"]:
        if pick and pick != str(c["number"]):
            continue
        if c["doc_id"] not in assistant.index.documents:  # asked of the documents open before
            return "<p>This answer's documents are no longer open in this chat; ask it again.</p>"
        para = assistant.paragraph(c["doc_id"], c["start"])
        text = assistant.document(c["doc_id"]).text
        before, quote, after = (text[para.start : c["start"]], text[c["start"] : c["end"]],
                                text[c["end"] : max(para.end, c["end"])])  # fmt: skip
        blocks.append(
            f'<div class="citeqa-source" id="citeqa-source-{c["number"]}">'
            f'<div class="where">[{c["number"]}] {html.escape(c["doc_id"])} · paragraph {para.number} · '
            f"characters {c['start']}–{c['end']}</div>"
            f"<p>{html.escape(before)}<mark>{html.escape(quote)}</mark>{html.escape(after)}</p></div>"
        )
    return "\n".join(blocks)


def asking(assistant: Assistant) -> str:
    names = ", ".join(f"**{escape_markdown(d)}**" for d in assistant.index.documents)
    return f"Asking: {names}"


def document_names(assistant: Assistant) -> str:
    return ", ".join(escape_markdown(d) for d in assistant.index.documents)


def collection_status(assistant: Assistant, seconds: float | None = None) -> str:
    counts = assistant.index.manifest["counts"]
    names = document_names(assistant)
    took = f" in {seconds:.1f} s" if seconds is not None else ""
    documents, sentences = counted(counts["documents"], "document"), counted(counts["sentences"], "sentence")
    return f"Indexed {documents} ({names}): {sentences}, {counted(counts['chunks'], 'passage')}{took}."


def sentence(message: str) -> str:
    """``message`` ending in a full stop (citeqa's error messages have none), so that another
    sentence can follow it."""
    return message if message.endswith((".", "!", "?", "…")) else message + "."


def upload_path(f) -> Path:
    """Where gradio stored an uploaded file (it gives a path, or an object holding one)."""
    return Path(f if isinstance(f, str) else f.name)


def read_uploads(files: list) -> list:
    """The uploaded files as Documents; a clear CiteqaError-style message for anything wrong."""
    if not files:
        raise ValueError("Choose one or more .txt, .md or .html files first.")
    if len(files) > MAX_FILES:
        raise ValueError(f"{len(files)} files is too many: upload at most {MAX_FILES} at a time.")
    docs = []
    for f in files:
        path = upload_path(f)
        shown = path.name
        if path.suffix.lower() not in SUFFIXES:
            raise ValueError(f"{shown}: unsupported file type; citeqa reads {', '.join(SUFFIXES)}.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"{shown}: over the {MAX_FILE_BYTES // 2**20} MB limit per file.")
        if any(d.doc_id == shown for d in docs):  # files of the same name from two folders
            raise ValueError(f"Two files are named {shown}: documents are known by their names, "
                             "so rename one and upload again.")  # fmt: skip
        try:
            docs.append(load_path(path))
        except CiteqaError as e:  # name the file as the user knows it, not the server's copy
            raise ValueError(str(e).replace(str(path), shown)) from None
    return docs


def build(default: Assistant, keep_uploads: int = KEEP_UPLOADS) -> gr.Blocks:
    collections = Collections(default, keep_uploads)

    def respond(question: str, messages: list, history: list, answers: list, copies: str, key: str | None):
        """The answer to ``question`` added to the chat, and what to put back in the question
        box: ``question`` as typed if it was refused, to be mended; else nothing."""
        typed, question = question, (question or "").strip()
        if not question:
            return "", messages, history, answers, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        copied = json.loads(copies or "[]")
        assistant = collections.default  # until the session's own is found
        try:
            assistant = collections.get(key)
            answer = assistant.ask(question, history=history)
        except CiteqaError as e:  # the question stays in the box, to be mended and asked again
            shown = question if len(question) <= SHOWN_CHARS else question[:SHOWN_CHARS] + " …"
            said = sentence(str(e)[:1].upper() + str(e)[1:])  # citeqa's messages start in lower case
            messages = [*messages, {"role": "user", "content": escape_markdown(shown)},
                        {"role": "assistant", "content": f"⚠️ {escape_markdown(said)}"}]  # fmt: skip
            copies = json.dumps([*copied, question, said])
            return typed, messages, history, [*answers, None], None, *panel(assistant, None), copies
        messages = [*messages, {"role": "user", "content": escape_markdown(question)},
                    {"role": "assistant", "content": show_message(answer)}]  # fmt: skip
        record = answer.to_dict()
        copies = json.dumps([*copied, question, assistant.as_text(answer)])
        return ("", messages, [*history, *answer.turn()], [*answers, record], None,
                *panel(assistant, record), copies)  # fmt: skip

    def panel(assistant: Assistant, record: dict | None, number: str | None = None):
        numbers = [str(c["number"]) for c in record["citations"]] if record else []
        number = number if number in numbers else None
        return (show_sources(assistant, record, number),
                gr.Radio(choices=numbers, value=number, visible=bool(numbers)))  # fmt: skip

    def pick(number: str | None, answers: list, selected: int | None, key: str | None):
        try:
            return show_sources(collections.get(key), current_answer(answers, selected), number)
        except CiteqaError as e:
            return f"<p>⚠️ {html.escape(str(e))}</p>"

    def current_answer(answers: list, selected: int | None) -> dict | None:
        if selected is not None and 0 <= selected < len(answers):
            return answers[selected]
        return answers[-1] if answers else None

    def select(evt: gr.SelectData, answers: list, key: str | None):
        return show_turn(evt.index // 2 if isinstance(evt.index, int) else evt.index[0] // 2, answers, key)

    def jump(marker: str, answers: list, key: str | None):
        """A citation marker was clicked: "turn:number:time" (see JS)."""
        found = re.fullmatch(r"(\d+):(\d+):\d+", marker or "")
        if not found or int(found[1]) >= len(answers):
            return gr.skip(), gr.skip(), gr.skip()
        return show_turn(int(found[1]), answers, key, found[2])

    def show_turn(turn: int, answers: list, key: str | None, number: str | None = None):
        try:
            return turn, *panel(collections.get(key), current_answer(answers, turn), number)
        except CiteqaError as e:
            return turn, f"<p>⚠️ {html.escape(str(e))}</p>", gr.skip()

    def clear():
        return [], [], [], None, *panel(default, None), "[]"

    def indexing(files: list):
        """Until the uploads are indexed, the chat takes no question (it would go to the
        documents open now, and the new chat would replace it) and no other upload starts."""
        shown = ", ".join(upload_path(f).name for f in files or [])
        return (f"Indexing {escape_markdown(shown)}…" if shown else gr.skip(),
                gr.Textbox(interactive=False, placeholder=INDEXING), *locked(True))  # fmt: skip

    def locked(on: bool):
        """Ask, "Clear chat", "Chat about these documents", "Back" and the upload box."""
        return [*(gr.Button(interactive=not on) for _ in range(4)), gr.File(interactive=not on)]

    indexing_now: set[str] = set()  # sessions whose uploads are being indexed
    just_done: dict[str, tuple] = {}  # session: (its upload's files, when, what it showed)
    indexing_lock = threading.Lock()

    def use_uploads(files: list, current: str | None, request: gr.Request,
                    progress=gr.Progress()):  # noqa: B008 (gradio finds the tracker by its default)  # fmt: skip
        """A second click that got through before the buttons were disabled indexes nothing: it
        comes while the first is indexing, or, for a small upload, just after."""
        session, now = request.session_hash, time.monotonic()
        paths = [str(upload_path(f)) for f in files or []]
        with indexing_lock:
            if session in indexing_now:
                return {}  # nothing changes: the first run ends the indexing
            for old in [s for s, (_, when, _) in just_done.items() if now - when > DOUBLE_CLICK_SECONDS]:
                del just_done[old]
            if paths and just_done.get(session, (None,))[0] == paths:
                return just_done[session][2]  # the first run's outcome again: it unlocks the chat
            indexing_now.add(session)
        shown = {}
        try:
            shown = index_uploads(files, current, progress)
            return shown
        finally:
            with indexing_lock:
                indexing_now.discard(session)
                just_done[session] = (paths, time.monotonic(), shown)

    def index_uploads(files: list, current: str | None, progress: gr.Progress):
        started = time.perf_counter()
        try:
            docs = read_uploads(files)
            progress(0, desc="Splitting into sentences")
            assistant = Assistant.from_texts(
                {d.doc_id: d.text for d in docs}, encoder=default.encoder,
                progress=lambda done, total: progress(done / total, desc="Embedding"),
            )  # fmt: skip
        except (CiteqaError, ValueError, OSError) as e:
            back = gr.Textbox(interactive=True, placeholder=PLACEHOLDER[current is not None])
            failed = f"⚠️ {escape_markdown(sentence(str(e)))}{still_asking(current)}"
            return {status: failed, question: back, **dict(zip(lockable, locked(False), strict=True))}
        key = collections.add(assistant)
        took = time.perf_counter() - started
        opened = collection_status(assistant, took) + " A new chat about them is open on the Chat tab."
        return (key, opened, *clear(), *documents_update(assistant, uploaded=True), *locked(False))

    def still_asking(key: str | None) -> str:
        try:
            names = document_names(collections.get(key))
        except CiteqaError:
            return ""
        return f" The chat still asks {names}."

    def use_article():
        return (None, "Back to the bundled article, in a new chat. " + collection_status(default),
                *clear(), *documents_update(default, uploaded=False), None)  # fmt: skip

    def documents_update(assistant: Assistant, uploaded: bool):
        """The document picker and the document it shows (set here: a new document of the same
        name as the one shown is no change to the picker), the Chat tab's line saying what it
        asks, its placeholder and whether the bundled article's example questions show."""
        ids = list(assistant.index.documents)
        return (gr.Dropdown(choices=ids, value=ids[0]), assistant.document(ids[0]).text, asking(assistant),
                gr.Textbox(placeholder=PLACEHOLDER[uploaded], interactive=True),
                gr.Column(visible=not uploaded))  # fmt: skip

    def read_document(doc_id: str | None, key: str | None) -> str:
        try:
            assistant = collections.get(key)
        except CiteqaError as e:
            return f"⚠️ {e}"
        return assistant.document(doc_id).text if doc_id in assistant.index.documents else ""

    with gr.Blocks(title="citeqa") as demo:
        key = gr.State(None)
        history = gr.State([])
        answers = gr.State([])
        selected = gr.State(None)
        gr.Markdown("# citeqa\nAsk about a news article, or upload your own documents: every answer "
                    "quotes them word for word, with citations you can check.")  # fmt: skip
        with gr.Tab("Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    shown = gr.Markdown(asking(default), elem_id="citeqa-asking")
                    chat = gr.Chatbot(elem_id="citeqa-chat", height=480, buttons=["copy"],
                                      label="Chat", show_label=False, sanitize_html=True,
                                      latex_delimiters=[],  # quotes are shown as written, "$$" too
                                      placeholder=CHAT_PLACEHOLDER)  # fmt: skip
                    marker = gr.Textbox(elem_id="citeqa-jump", show_label=False, container=False)
                    copies = gr.Textbox("[]", elem_id="citeqa-copies", show_label=False, container=False)
                    put_back = gr.Textbox(visible=False)  # a refused one, back to the box
                    question = gr.Textbox(placeholder=PLACEHOLDER[False], label="Question", max_lines=6,
                                          show_label=False, elem_id="citeqa-question")  # fmt: skip
                    with gr.Row():
                        send = gr.Button("Ask", variant="primary", elem_id="citeqa-ask")
                        clear_button = gr.Button("Clear chat", elem_id="citeqa-clear")
                with gr.Column(scale=2):
                    gr.Markdown("### Sources")
                    picker = gr.Radio(choices=[], label="Citation", visible=False, elem_id="citeqa-pick")
                    sources = gr.HTML(show_sources(default, None), elem_id="citeqa-sources")
            # below both columns: on a phone, where they stack, the sources come right after the chat
            with gr.Column() as examples:
                gr.Examples(EXAMPLES, inputs=question, label="Example questions")
        with gr.Tab("Documents"):
            status = gr.Markdown(collection_status(default), elem_id="citeqa-status")
            files = gr.File(file_count="multiple", file_types=list(SUFFIXES),
                            label=f"Your documents (.txt, .md, .html; at most {MAX_FILES} files of "
                                  f"{MAX_FILE_BYTES // 2**20} MB)", elem_id="citeqa-files")  # fmt: skip
            with gr.Row():
                use = gr.Button("Chat about these documents", variant="primary", elem_id="citeqa-use")
                back = gr.Button("Back to the bundled article", elem_id="citeqa-back")
            ids = list(default.index.documents)
            doc_pick = gr.Dropdown(choices=ids, value=ids[0], label="Read a document")
            doc_text = gr.Textbox(default.document(ids[0]).text, lines=20, max_lines=40,
                                  interactive=False, show_label=False, elem_id="citeqa-document")  # fmt: skip

        chat_outputs = [put_back, chat, history, answers, selected, sources, picker, copies]
        for trigger in (question.submit, send.click):
            trigger(respond, [question, chat, history, answers, copies, key], chat_outputs, js=SENDING,
                    **PRIVATE).then(None, [question, put_back], question, js=PUT_BACK, **PRIVATE)  # fmt: skip
        picker.change(pick, [picker, answers, selected, key], sources, **PRIVATE)
        chat.select(select, [answers, key], [selected, sources, picker], **PRIVATE)
        marker.change(jump, [marker, answers, key], [selected, sources, picker], **PRIVATE)
        reset = [chat, history, answers, selected, sources, picker, copies]
        clear_button.click(clear, None, reset, **PRIVATE)
        chat.clear(clear, None, reset, **PRIVATE)  # the chat's own trash button
        switched = [key, status, *reset, doc_pick, doc_text, shown, question, examples]
        lockable = [send, clear_button, use, back, files]
        upload_outputs = [*switched, *lockable]
        use.click(indexing, files, [status, question, *lockable], **PRIVATE).then(
            use_uploads, [files, key], upload_outputs, show_progress_on=status,
            concurrency_limit=UPLOADS_AT_ONCE, **PRIVATE,
        )  # fmt: skip
        back.click(use_article, None, [*switched, files], **PRIVATE)  # the upload box emptied too
        doc_pick.change(read_document, [doc_pick, key], doc_text, **PRIVATE)

        def api_ask(question: str, history: list[dict] | None = None) -> dict:
            """Ask the bundled article; returns the Answer as JSON (citations with offsets)."""
            try:
                return default.ask(question, history=history or []).to_dict()
            except CiteqaError as e:
                return {"error": str(e)}

        gr.api(api_ask, api_name="ask")
    return demo


def main() -> None:
    parser = argparse.ArgumentParser(description="citeqa's chat UI")
    parser.add_argument("--host", default=os.environ.get("CITEQA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=os.environ.get("CITEQA_PORT", "7860"))
    parser.add_argument("--username", default=os.environ.get("CITEQA_USERNAME"))
    parser.add_argument("--password", default=os.environ.get("CITEQA_PASSWORD"))
    parser.add_argument("--index-dir", default=os.environ.get("CITEQA_INDEX_DIR", str(INDEX)))
    parser.add_argument(
        "--keep-uploads",
        type=int,
        default=os.environ.get("CITEQA_KEEP_UPLOADS", str(KEEP_UPLOADS)),  # type= converts it
        help="uploaded collections kept in memory; the least recently used is dropped",
    )
    args = parser.parse_args()
    if args.keep_uploads < 1:
        parser.error("--keep-uploads must be at least 1")
    if bool(args.username) != bool(args.password):
        parser.error("give both --username and --password, or neither")
    try:
        assistant = Assistant.from_paths([ARTICLE], args.index_dir)  # reuses it unless stale
    except IndexWriteError as e:
        print(f"citeqa: warning: {e}. Answering from an index kept in memory.", file=sys.stderr)
        assistant = Assistant.from_texts({ARTICLE.name: load_path(ARTICLE).text})
    except CiteqaError as e:
        sys.exit(f"citeqa: error: {e}")
    assistant.ask(EXAMPLES[0])  # load the models now, so the first answer is quick
    build(assistant, args.keep_uploads).launch(
        server_name=args.host, server_port=args.port, share=False,
        auth=(args.username, args.password) if args.username else None,
        max_file_size=MAX_FILE_BYTES, footer_links=["api"], css=CSS, js=JS,
    )  # fmt: skip


if __name__ == "__main__":
    main()
