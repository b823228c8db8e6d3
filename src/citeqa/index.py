"""Stage 6: build the index and keep it on disk in open formats, written atomically.

An index folder holds:

- ``manifest.json``: format version, model name, weights hash and dimension, settings, each
  document's sha256 and source file (relative to the index folder), counts, package versions
  and creation time;
- ``documents.jsonl``, ``sentences.jsonl``, ``chunks.jsonl``: the texts and their offsets;
- ``sentences.faiss``, ``chunks.faiss``: the normalized embeddings (inner product = cosine).
"""

from __future__ import annotations

import ctypes
import errno
import glob
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from .chunk import Chunk, chunk_text, make_chunks
from .embed import DIMENSION, Encoder
from .errors import CorruptIndexError, DocumentError, IndexNotFoundError, IndexWriteError, ModelMismatchError
from .load import Document
from .segment import Sentence, split_sentences
from .settings import INDEX_TYPES, Settings

log = logging.getLogger(__name__)

# From this many vectors, "auto" picks HNSW over exact search (see index_kind).
APPROXIMATE_FROM = 200_000
HNSW_NEIGHBOURS, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 128
EMBED_STEP = 64  # texts embedded between two progress reports, for encoders without a batch size
Progress = Callable[[int, int], None]  # (characters embedded, characters to embed)

FORMAT_VERSION = 1
MANIFEST_PARTS = ("model", "settings", "documents", "counts")  # each a JSON object
_JUNK = re.compile(r"(?i)^(\.DS_Store|\._.*|Thumbs\.db|desktop\.ini)$")
_INDEX_FILES = {
    "manifest.json",
    "documents.jsonl",
    "sentences.jsonl",
    "chunks.jsonl",
    "sentences.faiss",
    "chunks.faiss",
}
REBUILD_HINT = "run `citeqa index --rebuild` (or Assistant.from_paths) to rebuild it"
_PACKAGES = (
    "citeqa",
    "faiss-cpu",
    "sentence-transformers",
    "torch",
    "transformers",
    "numpy",
    "bm25s",
    "pysbd",
)


def counted(n: int, noun: str) -> str:
    """ "1 sentence", "2 sentences": how the CLI and the app tell what an index holds."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


@dataclass
class Index:
    """Documents, their sentences and chunks, and the embeddings of both."""

    documents: dict[str, Document]
    sentences: list[Sentence]
    chunks: list[Chunk]
    sentence_vectors: np.ndarray
    chunk_vectors: np.ndarray
    manifest: dict
    _faiss: dict = field(default_factory=dict, repr=False, compare=False)

    def faiss(self, name: str):
        """The FAISS index of "sentences" or "chunks": read from disk, or built once in memory."""
        if name not in self._faiss:
            vectors = self.sentence_vectors if name == "sentences" else self.chunk_vectors
            self._faiss[name] = make_faiss(vectors, self.manifest["faiss"][name])
        return self._faiss[name]

    def chunk_texts(self) -> list[str]:
        return [chunk_text(c, self.sentences) for c in self.chunks]


def index_kind(vectors: int, wanted: str = "auto") -> str:
    """The FAISS index type for this many vectors: exact search up to APPROXIMATE_FROM, then
    HNSW (benchmarks/bench.py, "scale", measures both); any other ``wanted`` is taken as is."""
    if wanted != "auto":
        return wanted
    return "hnsw" if vectors >= APPROXIMATE_FROM else "flat"


def make_faiss(vectors: np.ndarray, kind: str):
    """A FAISS index of ``kind`` ("flat" or "hnsw") holding ``vectors``. Both keep the exact
    vectors, which ``load`` reads back and the ranker scores with."""
    import faiss

    if kind == "flat":
        index = faiss.IndexFlatIP(vectors.shape[1])
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction, index.hnsw.efSearch = HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH
    else:
        raise ValueError(f"unknown index type {kind!r}; choose from {', '.join(INDEX_TYPES)}")
    index.add(vectors)
    return index


def build(
    documents: list[Document],
    settings: Settings,
    encoder: Encoder,
    previous: Index | None = None,
    progress: Progress | None = None,
) -> Index:
    """Split, chunk and embed ``documents``. The sentences and chunks of documents that are
    unchanged in ``previous`` (same text, model and settings) keep their embeddings: only new
    and changed documents are embedded. ``progress(done, total)`` is told, after each batch,
    how many of the characters to embed are done (embedding is nearly all of the time).

    Raises:
        DocumentError: two documents share an id, or a document has nothing to index.
    """
    by_id: dict[str, Document] = {}
    for doc in documents:
        if doc.doc_id in by_id:
            raise DocumentError(f"two documents are named {doc.doc_id!r}; document ids must be unique")
        by_id[doc.doc_id] = doc
    if not by_id:
        raise DocumentError("no documents to index")
    sentences: list[Sentence] = []
    for doc in by_id.values():
        found = split_sentences(doc, settings.max_sentence_chars)
        if not found:
            raise DocumentError(f"{doc.doc_id}: the document has no text to index")
        sentences.extend(found)
    chunks = make_chunks(sentences, settings.chunk_sentences, settings.chunk_overlap, settings.chunk_chars)
    known_sentences, known_chunks = _reusable(previous, by_id, settings, encoder)
    started = time.perf_counter()
    sentence_vectors, new_sentences = _known([(s.doc_id, s.start, s.end) for s in sentences], known_sentences)
    chunk_vectors, new_chunks = _known([(c.doc_id, c.start, c.end) for c in chunks], known_chunks)
    # a one-sentence chunk takes its sentence's vector: nothing is embedded twice
    single = {i: c.first for i in new_chunks if (c := chunks[i]).last - c.first == 1}
    todo = [(sentence_vectors, i, sentences[i].text) for i in new_sentences]
    todo += [(chunk_vectors, i, chunk_text(chunks[i], sentences)) for i in new_chunks if i not in single]
    _encode_into(todo, encoder, progress)
    for i, first in single.items():
        chunk_vectors[i] = sentence_vectors[first]
    log.info(
        "embedded %d sentences and %d chunks in %.1f s",
        len(sentences),
        len(chunks),
        time.perf_counter() - started,
    )
    manifest = _manifest(by_id, settings, encoder, len(sentences), len(chunks))
    return Index(by_id, sentences, chunks, sentence_vectors, chunk_vectors, manifest)


def _reusable(previous: Index | None, docs: dict[str, Document], settings: Settings, encoder: Encoder):
    """Vectors of ``previous`` by (document, start, end), for documents that have not changed."""
    if previous is None or previous.manifest["model"].get("sha256") != encoder.weights_sha256:
        return {}, {}
    if stale_reasons(previous.manifest, None, settings):
        return {}, {}
    same = {d for d, doc in previous.documents.items() if d in docs and docs[d].sha256 == doc.sha256}
    sentences = {(s.doc_id, s.start, s.end): previous.sentence_vectors[i]
                 for i, s in enumerate(previous.sentences) if s.doc_id in same}  # fmt: skip
    chunks = {(c.doc_id, c.start, c.end): previous.chunk_vectors[i]
              for i, c in enumerate(previous.chunks) if c.doc_id in same}  # fmt: skip
    return sentences, chunks


def _known(keys, known: dict) -> tuple[np.ndarray, list[int]]:
    """Vectors for ``keys``, filled in from ``known`` (by key), and the positions still to embed."""
    vectors = np.zeros((len(keys), DIMENSION), dtype=np.float32)
    missing = []
    for i, key in enumerate(keys):
        if key in known:
            vectors[i] = known[key]
        else:
            missing.append(i)
    return vectors, missing


def _encode_into(todo: list[tuple[np.ndarray, int, str]], encoder: Encoder, progress: Progress | None):
    """Embed each (vectors, row, text) of ``todo`` into ``vectors[row]``, a batch of the
    encoder's at a time, telling ``progress`` the characters done before the first and after each."""
    todo = sorted(todo, key=lambda t: len(t[2]))  # batches of like lengths: little padding
    total, done = sum(len(text) for *_, text in todo), 0
    if progress is not None and todo:
        progress(0, total)
    size = getattr(encoder, "batch_size", EMBED_STEP)
    for k in range(0, len(todo), size):
        step = todo[k : k + size]
        for (vectors, row, _), vector in zip(step, encoder.encode([t for *_, t in step]), strict=True):
            vectors[row] = vector
        done += sum(len(text) for *_, text in step)
        if progress is not None:
            progress(done, total)


def _manifest(
    docs: dict[str, Document], settings: Settings, encoder: Encoder, n_sentences: int, n_chunks: int
) -> dict:
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "format_version": FORMAT_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "model": {"name": encoder.name, "sha256": encoder.weights_sha256, "dimension": DIMENSION},
        # The reranker changes answers, not what is stored: recorded, but never makes it stale.
        "settings": {**settings.index_settings(), "reranker_sha256": _reranker_sha256(settings)},
        "faiss": {
            "sentences": index_kind(n_sentences, settings.index_type),
            "chunks": index_kind(n_chunks, settings.index_type),
        },
        "documents": {
            d.doc_id: {"sha256": d.sha256, "source": d.source, "chars": len(d.text)} for d in docs.values()
        },
        "counts": {"documents": len(docs), "sentences": n_sentences, "chunks": n_chunks},
        "versions": versions,
    }


def _reranker_sha256(settings: Settings) -> str | None:
    from .rerank import shipped

    return shipped().sha256 if settings.rerank_candidates else None


def stale_reasons(manifest: dict, documents: list[Document] | None, settings: Settings) -> list[str]:
    """Why an index no longer fits ``documents`` (when given) and ``settings``; empty if it does."""
    reasons = []
    wanted = settings.index_settings()
    built = manifest.get("settings", {})
    for key, value in wanted.items():
        if built.get(key) != value:
            reasons.append(f"setting {key} is {value} but the index was built with {built.get(key)}")
    if documents is not None:
        stored = manifest.get("documents", {})
        given = {d.doc_id: d.sha256 for d in documents}
        for doc_id in sorted(set(stored) - set(given)):
            reasons.append(f"document {doc_id} is in the index but was not given")
        for doc_id in sorted(set(given) - set(stored)):
            reasons.append(f"document {doc_id} is not in the index")
        for doc_id in sorted(set(given) & set(stored)):
            if stored[doc_id]["sha256"] != given[doc_id]:
                reasons.append(f"document {doc_id} has changed since it was indexed")
    return reasons


def save(index: Index, directory: str | Path) -> None:
    """Write ``index`` to ``directory`` atomically: readers see the old index or the new one."""
    import faiss

    directory = Path(os.path.realpath(directory))  # a symlinked folder: write where it points
    if directory.exists() and not directory.is_dir():
        raise IndexWriteError(
            f"{directory} is a file, not a folder; choose a folder (citeqa index --index-dir DIR)"
        )
    if os.path.ismount(directory):
        raise _mount_point(directory)
    foreign = _foreign_files(directory)
    if foreign:
        raise IndexWriteError(
            f"{directory} holds files that are not part of a citeqa index ({', '.join(foreign)}); "
            "citeqa replaces the whole folder, so it will not write there. Choose an empty or "
            "new folder (citeqa index --index-dir DIR)"
        )
    tmp = None
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(directory)
        tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.tmp-{os.getpid()}-", dir=directory.parent))
        _write_jsonl(tmp / "documents.jsonl", (d.to_dict() for d in index.documents.values()))
        _write_jsonl(tmp / "sentences.jsonl", (s.to_dict() for s in index.sentences))
        _write_jsonl(tmp / "chunks.jsonl", (c.to_dict() for c in index.chunks))
        for name in ("sentences", "chunks"):
            faiss.write_index(index.faiss(name), str(tmp / f"{name}.faiss"))
        # The manifest goes last: a folder without one was never finished.
        manifest = _sources_relative_to(index.manifest, directory)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        for f in tmp.iterdir():
            _fsync(f)
        os.chmod(tmp, 0o755)
        _swap_in(tmp, directory)
    except (OSError, RuntimeError) as e:  # faiss reports a failed write as RuntimeError
        if getattr(e, "errno", None) == errno.EBUSY:  # a bind mount of a folder on its own disk
            raise _mount_point(directory) from e
        reason = getattr(e, "strerror", None) or str(e).strip().splitlines()[-1]
        raise IndexWriteError(
            f"cannot write the index to {directory}: {reason}. Any previous index there is "
            "unchanged; free some disk space or make the folder writable, or choose another "
            "folder (citeqa index --index-dir DIR)"
        ) from e
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _mount_point(directory: Path) -> IndexWriteError:
    return IndexWriteError(
        f"{directory} is a mount point; citeqa writes an index atomically by putting a new "
        "folder in its place, which cannot be done to a mount point. Choose a folder inside "
        f"it (citeqa index --index-dir {directory / 'index'})"
    )


def _sources_relative_to(manifest: dict, directory: Path) -> dict:
    """``manifest`` with each source file's path relative to the index folder, so that the
    staleness check finds it from any working folder and after the two move together. A
    symlinked source stays the link (its folder is resolved, not the file)."""
    documents = {}
    for doc_id, info in manifest["documents"].items():
        if info.get("source"):
            source = Path(info["source"])
            source = source.parent.resolve() / source.name
            try:
                info = {**info, "source": Path(os.path.relpath(source, directory)).as_posix()}
            except ValueError:  # another drive (Windows): keep it absolute
                info = {**info, "source": str(source)}
        documents[doc_id] = info
    return {**manifest, "documents": documents, "sources_relative_to": "index"}


def _foreign_files(directory: Path) -> list[str]:
    """Up to three names in ``directory`` that citeqa did not write (saving would delete them);
    files a file manager leaves behind (.DS_Store, Thumbs.db) do not count."""
    if not directory.is_dir():
        return []
    names = [p.name for p in directory.iterdir() if p.name not in _INDEX_FILES]
    return sorted(n for n in names if not _JUNK.match(n))[:3]


def _remove_abandoned(directory: Path) -> None:
    """Delete temporary folders left beside ``directory`` by writers that were killed."""
    for tmp in directory.parent.glob(glob.escape(f".{directory.name}") + ".tmp-*-*"):
        try:
            os.kill(int(tmp.name.split("-")[-2]), 0)
        except ProcessLookupError:
            shutil.rmtree(tmp, ignore_errors=True)
        except (ValueError, PermissionError):
            pass  # not ours, or another user's live process


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_in(new: Path, target: Path) -> None:
    """Put folder ``new`` at ``target``; the old folder ends up at ``new`` (then removed)."""
    if not target.exists():
        os.rename(new, target)
        return
    if _rename_exchange(new, target):
        return
    # No atomic exchange here (not Linux): move the old one aside first; load() restores it
    # if the process dies between the two renames.
    backup = target.with_name(f".{target.name}.old")
    shutil.rmtree(backup, ignore_errors=True)
    os.rename(target, backup)
    os.rename(new, target)
    os.rename(backup, new)


def _rename_exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def read_manifest(directory: str | Path) -> dict:
    """The manifest of the index in ``directory``.

    Raises:
        IndexNotFoundError: there is no index there.
        CorruptIndexError: the manifest is unreadable or from a newer citeqa.
    """
    directory = Path(directory)
    real = Path(os.path.realpath(directory))  # as save() names it
    backup = real.with_name(f".{real.name}.old")
    if not real.exists() and (backup / "manifest.json").exists():
        os.rename(backup, real)  # an interrupted _swap_in: the old index comes back
    path = directory / "manifest.json"
    if not path.exists():
        if directory.is_dir() and any(p.name in _INDEX_FILES for p in directory.iterdir()):
            raise CorruptIndexError(f"{directory}: manifest.json is missing; {REBUILD_HINT}")
        raise IndexNotFoundError(f"no index in {directory}; build one with `citeqa index FILE...`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        version = manifest["format_version"]
        if not isinstance(version, int) or not all(isinstance(manifest[k], dict) for k in MANIFEST_PARTS):
            raise TypeError
        for info in manifest["documents"].values():
            if not isinstance(info["sha256"], str) or not isinstance(info.get("source") or "", str):
                raise TypeError
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise CorruptIndexError(f"{path} is damaged; {REBUILD_HINT}") from None
    if version != FORMAT_VERSION:
        raise CorruptIndexError(
            f"{directory} has index format {version}, this citeqa reads format {FORMAT_VERSION}; "
            f"{'upgrade citeqa or ' if version > FORMAT_VERSION else ''}{REBUILD_HINT}"
        )
    return manifest


def load(directory: str | Path, encoder: Encoder) -> Index:
    """Read the index in ``directory`` and check it against ``encoder``'s model.

    Raises:
        IndexNotFoundError, CorruptIndexError, ModelMismatchError.
    """
    import faiss

    directory = Path(directory)
    manifest = read_manifest(directory)
    model = manifest.get("model", {})
    if model.get("sha256") != encoder.weights_sha256:
        raise ModelMismatchError(
            f"{directory} was built with model {model.get('name')} "
            f"(weights {str(model.get('sha256'))[:12]}…), "
            f"but citeqa now uses {encoder.name} (weights {encoder.weights_sha256[:12]}…); "
            f"vectors of different models cannot be compared: {REBUILD_HINT}"
        )
    try:
        docs = [Document(**row) for row in _read_jsonl(directory / "documents.jsonl")]
        sentences = [Sentence(**row) for row in _read_jsonl(directory / "sentences.jsonl")]
        chunks = [Chunk(**row) for row in _read_jsonl(directory / "chunks.jsonl")]
        vectors, flats = {}, {}
        for name in ("sentences", "chunks"):
            path = directory / f"{name}.faiss"
            if not path.exists():
                raise FileNotFoundError(path)
            flat = flats[name] = faiss.read_index(str(path))
            vectors[name] = (
                flat.reconstruct_n(0, flat.ntotal) if flat.ntotal else np.zeros((0, DIMENSION), np.float32)
            )
    except (FileNotFoundError, ValueError, TypeError, KeyError, RuntimeError, UnicodeDecodeError) as e:
        raise CorruptIndexError(f"{directory} is damaged ({type(e).__name__}: {e}); {REBUILD_HINT}") from None
    index = Index(
        {d.doc_id: d for d in docs},
        sentences,
        chunks,
        vectors["sentences"],
        vectors["chunks"],
        manifest,
        flats,
    )
    _check_consistent(index, directory)
    return index


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _misplaced_sentence(s: Sentence, documents: dict[str, Document]) -> bool:
    doc = documents.get(s.doc_id)
    return doc is None or doc.text[s.start : s.end] != s.text


def _misplaced_chunk(c: Chunk, sentences: list[Sentence]) -> bool:
    """Whether the chunk's sentences are not of its document, or start or end elsewhere."""
    if not 0 <= c.first < c.last <= len(sentences):
        return True
    first, last = sentences[c.first], sentences[c.last - 1]
    return not (first.doc_id == last.doc_id == c.doc_id and (first.start, last.end) == (c.start, c.end))


def _check_consistent(index: Index, directory: Path) -> None:
    counts = index.manifest.get("counts", {})
    problems = []
    if counts.get("sentences") != len(index.sentences) or len(index.sentence_vectors) != len(index.sentences):
        problems.append("sentences")
    if counts.get("chunks") != len(index.chunks) or len(index.chunk_vectors) != len(index.chunks):
        problems.append("chunks")
    if set(index.manifest.get("documents", {})) != set(index.documents):
        problems.append("documents")
    try:
        if any(_misplaced_sentence(s, index.documents) for s in index.sentences):
            problems.append("sentence offsets")
        if any(_misplaced_chunk(c, index.sentences) for c in index.chunks):
            problems.append("chunk bounds")
    except TypeError:  # an offset that is no number
        problems.append("offsets")
    if problems:
        raise CorruptIndexError(
            f"{directory} is damaged: {', '.join(problems)} do not match the manifest; {REBUILD_HINT}"
        )
