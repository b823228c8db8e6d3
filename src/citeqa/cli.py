"""The ``citeqa`` command: a thin layer over Assistant."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time

from .errors import CiteqaError

DEFAULT_INDEX = "index/"


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, got {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    from . import __version__
    from .settings import Settings

    parser = argparse.ArgumentParser(
        prog="citeqa", description="Ask questions of an article; answers quote it with exact citations."
    )
    parser.add_argument("--version", action="version", version=f"citeqa {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)

    idx = sub.add_parser("index", help="index documents (.txt, .md, .html) into an index folder")
    idx.add_argument(
        "files",
        nargs="+",
        help="documents to index; each file name is its document id "
        "(with its folders when two files share a name: june/notes.txt)",
    )
    idx.add_argument("--index-dir", default=DEFAULT_INDEX, help="where the index goes (default: index/)")
    idx.add_argument("--rebuild", action="store_true", help="rebuild even if the index is up to date")

    ask = sub.add_parser("ask", help="ask a question of the indexed documents")
    ask.add_argument("question")
    ask.add_argument("--index-dir", default=DEFAULT_INDEX, help="the index to ask (default: index/)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--rerank-candidates", type=_count, default=Settings.rerank_candidates, metavar="N",
                     help="candidates the cross-encoder reads again; 0 ranks with the linear model "
                          "alone (default: %(default)s)")  # fmt: skip

    chat = sub.add_parser("chat", help="ask one question a line, each read in the light of the earlier ones")
    chat.add_argument("--index-dir", default=DEFAULT_INDEX, help="the index to ask (default: index/)")
    chat.add_argument("--json", action="store_true", help="print each answer as one line of JSON")

    sub.add_parser("eval", help="measure quality on benchmark data (see: citeqa eval --help)", add_help=False)
    return parser


def _interrupted(signum, frame) -> None:
    print("citeqa: interrupted", file=sys.stderr, flush=True)
    os._exit(130)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Ctrl-C stops the command at once: libraries on the way may swallow a KeyboardInterrupt or
    # wrap it in another error ("Error importing huggingface_hub.hf_api ..."). An index being
    # written is left as it was: writes are atomic, and the next build removes a dead process's
    # temporary folder. A shell that starts citeqa in the background, ignoring SIGINT, is obeyed.
    ours = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if ours:
        signal.signal(signal.SIGINT, _interrupted)
    try:
        return _run(argv)
    except KeyboardInterrupt:  # with a handler of the caller's, who runs main() in its process
        print("citeqa: interrupted", file=sys.stderr)
        return 130
    finally:
        if ours:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def _run(argv: list[str]) -> int:
    if argv[:1] == ["eval"]:
        from .eval import main as eval_main

        return eval_main(argv[1:])
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        if args.command == "index":
            return _index(args)
        if args.command == "chat":
            return _chat(args)
        return _ask(args)
    except CiteqaError as e:
        print(f"citeqa: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader stopped early (``citeqa ask --json ... | head``)
        # so that flushing stdout at exit does not fail again (Python's documented recipe)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _index(args) -> int:
    from .assistant import Assistant
    from .index import counted

    started = time.perf_counter()
    assistant = Assistant.from_paths(args.files, args.index_dir, rebuild=args.rebuild,
                                     progress=_show_progress if sys.stderr.isatty() else None)  # fmt: skip
    counts = assistant.index.manifest["counts"]
    nouns = {"documents": "document", "sentences": "sentence", "chunks": "passage"}
    what = ", ".join(counted(counts[k], noun) for k, noun in nouns.items())
    print(f"indexed {what} into {args.index_dir} ({time.perf_counter() - started:.1f} s)")
    return 0


def _show_progress(done: int, total: int) -> None:
    """One line on a terminal, rewritten as the embedding goes on."""
    line = f"\rembedding: {done / total:.0%} of {total:,} characters"
    print(line, end="\n" if done == total else "", file=sys.stderr, flush=True)


def _ask(args) -> int:
    from .assistant import Assistant

    assistant = Assistant.load(args.index_dir, rerank_candidates=args.rerank_candidates)
    _show(assistant, assistant.ask(args.question), args.json)
    return 0


def _chat(args) -> int:
    """Questions from standard input, a line each; follow-ups see the earlier turns."""
    from .assistant import Assistant

    assistant = Assistant.load(args.index_dir)
    interactive = sys.stdin.isatty()
    if interactive:
        print("Ask about the documents, one question a line; Ctrl-D ends.", file=sys.stderr)
    history: list[dict] = []
    while True:
        try:
            question = input("? " if interactive else "")
        except EOFError:
            return 0
        if not question.strip():
            continue
        try:
            answer = assistant.ask(question, history=history)
        except CiteqaError as e:  # this question only: the chat goes on
            print(f"citeqa: error: {e}", file=sys.stderr)
            continue
        history += answer.turn()
        _show(assistant, answer, args.json, indent=None)
        if not args.json:
            print()
        sys.stdout.flush()


def _show(assistant, answer, as_json: bool, indent: int | None = 2) -> None:
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=indent))
        return
    print(assistant.as_text(answer))


if __name__ == "__main__":
    sys.exit(main())
