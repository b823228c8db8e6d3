import errno
import json

import numpy as np
import pytest

from citeqa import index as store
from citeqa.errors import CorruptIndexError, IndexNotFoundError, IndexWriteError, ModelMismatchError
from citeqa.load import Document
from citeqa.settings import Settings


@pytest.fixture(scope="module")
def built(encoder, article_text):
    return store.build([Document("article.txt", article_text, "article.txt")], Settings(), encoder)


def test_round_trip(built, encoder, tmp_path):
    store.save(built, tmp_path / "index")
    loaded = store.load(tmp_path / "index", encoder)
    assert loaded.sentences == built.sentences and loaded.chunks == built.chunks
    assert loaded.documents == built.documents
    np.testing.assert_allclose(loaded.sentence_vectors, built.sentence_vectors, atol=1e-6)
    np.testing.assert_allclose(loaded.chunk_vectors, built.chunk_vectors, atol=1e-6)
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert manifest["model"]["dimension"] == 384 and len(manifest["model"]["sha256"]) == 64
    assert manifest["documents"]["article.txt"]["sha256"] == built.documents["article.txt"].sha256
    assert manifest["settings"] == {
        **Settings().index_settings(),
        "reranker_sha256": manifest["settings"]["reranker_sha256"],
    }
    assert len(manifest["settings"]["reranker_sha256"]) == 64
    assert manifest["faiss"] == {"sentences": "flat", "chunks": "flat"}
    assert manifest["versions"]["faiss-cpu"] and manifest["versions"]["sentence-transformers"]
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == [
        "chunks.faiss",
        "chunks.jsonl",
        "documents.jsonl",
        "manifest.json",
        "sentences.faiss",
        "sentences.jsonl",
    ]


def test_vectors_are_normalized_and_nothing_is_embedded_twice(built):
    assert built.sentence_vectors.shape == (len(built.sentences), 384)
    np.testing.assert_allclose(np.linalg.norm(built.sentence_vectors, axis=1), 1.0, atol=1e-5)


def test_a_crash_while_saving_leaves_the_old_index(built, encoder, tmp_path, monkeypatch):
    store.save(built, tmp_path / "index")
    before = {p.name: p.read_bytes() for p in (tmp_path / "index").iterdir()}
    import faiss

    def explode(*args):
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", explode)
    with pytest.raises(IndexWriteError, match="cannot write the index to .*: disk full"):
        store.save(built, tmp_path / "index")
    assert {p.name: p.read_bytes() for p in (tmp_path / "index").iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["index"]  # no temporary folder left
    monkeypatch.undo()
    store.load(tmp_path / "index", encoder)


def test_a_dead_writers_folder_goes_even_beside_a_name_with_glob_signs(built, encoder, tmp_path):
    dead = 2**22 + 12_345  # above Linux's default pid_max: no process has it
    abandoned = tmp_path / f".idx[1].tmp-{dead}-abc"
    abandoned.mkdir()
    store.save(built, tmp_path / "idx[1]")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx[1]"]


def test_a_mount_point_is_refused_with_what_to_do(built, tmp_path, monkeypatch):
    """A mount point cannot be renamed, so it cannot be swapped for the new index folder."""
    (tmp_path / "volume").mkdir()
    monkeypatch.setattr(store.os.path, "ismount", lambda p: str(p) == str(tmp_path / "volume"))
    with pytest.raises(IndexWriteError, match=r"is a mount point.*--index-dir .*volume/index"):
        store.save(built, tmp_path / "volume")
    store.save(built, tmp_path / "volume" / "index")
    assert (tmp_path / "volume" / "index" / "manifest.json").exists()

    def busy(new, target):  # what renaming a bind mount of a folder on the same disk gives
        raise OSError(errno.EBUSY, "Device or resource busy")

    monkeypatch.setattr(store, "_swap_in", busy)
    with pytest.raises(IndexWriteError, match=r"is a mount point"):
        store.save(built, tmp_path / "volume" / "index")
    assert [p.name for p in (tmp_path / "volume").iterdir()] == ["index"]  # nothing left behind


def test_replacing_an_index_swaps_it_whole(built, encoder, tmp_path):
    store.save(built, tmp_path / "index")
    smaller = store.build(
        [Document("other.txt", "One sentence here. Another one there.")], Settings(), encoder
    )
    store.save(smaller, tmp_path / "index")
    assert list(store.load(tmp_path / "index", encoder).documents) == ["other.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["index"]


def test_missing_index(tmp_path, encoder):
    with pytest.raises(IndexNotFoundError, match="citeqa index"):
        store.load(tmp_path / "nothing", encoder)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notes.txt").write_text("not an index")
    with pytest.raises(IndexNotFoundError, match="no index in"):  # a folder of other files
        store.load(tmp_path / "data", encoder)


@pytest.mark.parametrize(
    "name",
    [
        "manifest.json",
        "sentences.jsonl",
        "chunks.jsonl",
        "documents.jsonl",
        "sentences.faiss",
        "chunks.faiss",
    ],
)
@pytest.mark.parametrize("damage", ["truncate", "delete"])
def test_damaged_files_are_named_with_the_fix(built, encoder, tmp_path, name, damage):
    store.save(built, tmp_path / "index")
    path = tmp_path / "index" / name
    if damage == "delete":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(CorruptIndexError, match="--rebuild"):
        store.load(tmp_path / "index", encoder)


def _saved_with(built, tmp_path, change):
    """Save ``built``, then edit its manifest with ``change``."""
    store.save(built, tmp_path / "index")
    path = tmp_path / "index" / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))
    return tmp_path / "index"


def test_newer_format_is_refused(built, encoder, tmp_path):
    folder = _saved_with(built, tmp_path, lambda m: m.update(format_version=store.FORMAT_VERSION + 1))
    with pytest.raises(CorruptIndexError, match="upgrade citeqa"):
        store.load(folder, encoder)


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.update(model="x"),
        lambda m: m.update(settings="x"),
        lambda m: m.update(format_version="1"),
        lambda m: m.pop("model"),
        lambda m: m["documents"].update({"article.txt": "x"}),
        lambda m: m["documents"]["article.txt"].pop("sha256"),
        lambda m: m["documents"]["article.txt"].update(source=5),
    ],
)
def test_a_manifest_of_the_wrong_shape_is_damage_not_a_crash(built, encoder, tmp_path, change):
    with pytest.raises(CorruptIndexError, match="--rebuild"):
        store.load(_saved_with(built, tmp_path, change), encoder)


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [("sentences", "start", "0"), ("chunks", "last", 9999), ("chunks", "first", "a"), ("chunks", "end", 5)],
)
def test_rows_of_wrong_types_or_bounds_are_damage_not_a_crash(built, encoder, tmp_path, name, field, value):
    store.save(built, tmp_path / "index")
    path = tmp_path / "index" / f"{name}.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[0][field] = value
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(CorruptIndexError, match="--rebuild"):
        store.load(tmp_path / "index", encoder)


def test_another_model_is_refused(built, encoder, tmp_path):
    folder = _saved_with(built, tmp_path, lambda m: m["model"].update(sha256="0" * 64))
    with pytest.raises(ModelMismatchError, match="different models"):
        store.load(folder, encoder)


def test_stale_reasons(built):
    doc = built.documents["article.txt"]
    assert store.stale_reasons(built.manifest, [doc], Settings()) == []
    changed = Document(doc.doc_id, doc.text + "\nMore.")
    assert "has changed" in store.stale_reasons(built.manifest, [changed], Settings())[0]
    assert "chunk_sentences" in store.stale_reasons(built.manifest, [doc], Settings(chunk_sentences=5))[0]
    assert (
        "not in the index"
        in store.stale_reasons(built.manifest, [doc, Document("b.txt", "x")], Settings())[0]
    )


class CountingEncoder:
    """The real encoder, counting what it is asked to embed."""

    def __init__(self, encoder):
        self.inner, self.texts = encoder, []
        self.name, self.weights_sha256 = encoder.name, encoder.weights_sha256

    def encode(self, texts):
        self.texts += list(texts)
        return self.inner.encode(texts)


def test_only_new_and_changed_documents_are_embedded(encoder, tmp_path):
    from citeqa import Assistant

    docs = {name: tmp_path / f"{name}.txt" for name in ("a", "b", "c")}
    for name, path in docs.items():
        path.write_text(f"Document {name} opens here. It says {name} twice. It ends with {name}.\n\n"
                        f"A second paragraph of {name}. With one more sentence.\n")  # fmt: skip
    counting = CountingEncoder(encoder)
    first = Assistant.from_paths([docs["a"], docs["b"]], tmp_path / "index", encoder=counting)
    everything = len(counting.texts)
    counting.texts.clear()

    docs["b"].write_text("Document b was rewritten. Now it says something new.\n")
    second = Assistant.from_paths([docs["a"], docs["b"], docs["c"]], tmp_path / "index", encoder=counting)
    assert counting.texts and everything > 0
    assert not any("Document a" in t or "paragraph of a" in t for t in counting.texts)  # a is reused
    assert any("rewritten" in t for t in counting.texts) and any("Document c" in t for t in counting.texts)
    old_a = [i for i, s in enumerate(first.index.sentences) if s.doc_id == "a.txt"]
    new_a = [i for i, s in enumerate(second.index.sentences) if s.doc_id == "a.txt"]
    np.testing.assert_array_equal(first.index.sentence_vectors[old_a], second.index.sentence_vectors[new_a])

    counting.texts.clear()
    third = Assistant.from_paths([docs["a"], docs["c"]], tmp_path / "index", encoder=counting)
    assert counting.texts == []  # removing a document embeds nothing
    assert {s.doc_id for s in third.index.sentences} == {"a.txt", "c.txt"}
    spans = [(c.doc_id, c.start, c.end) for c in third.index.chunks]
    assert len(spans) == len(set(spans))  # no duplicate chunks
    fresh = Assistant.from_paths([docs["a"], docs["c"]], tmp_path / "fresh", encoder=encoder)
    np.testing.assert_allclose(third.index.chunk_vectors, fresh.index.chunk_vectors, atol=1e-5)
    assert third.ask("What does document c end with?").citations[0].doc_id == "c.txt"


def test_the_index_type_follows_the_collection_size(encoder, article_text, tmp_path):
    assert store.index_kind(10) == "flat" and store.index_kind(store.APPROXIMATE_FROM) == "hnsw"
    assert store.index_kind(10, "hnsw") == "hnsw"
    with pytest.raises(ValueError, match="index_type"):
        Settings(index_type="annoy")
    hnsw = store.build([Document("article.txt", article_text)], Settings(index_type="hnsw"), encoder)
    assert hnsw.manifest["faiss"] == {"sentences": "hnsw", "chunks": "hnsw"}
    store.save(hnsw, tmp_path / "index")
    loaded = store.load(tmp_path / "index", encoder)
    assert type(loaded.faiss("sentences")).__name__ == "IndexHNSWFlat"
    np.testing.assert_allclose(loaded.sentence_vectors, hnsw.sentence_vectors, atol=1e-6)
    query = hnsw.sentence_vectors[:3]
    flat = store.make_faiss(hnsw.sentence_vectors, "flat")
    assert (loaded.faiss("sentences").search(query, 5)[1] == flat.search(query, 5)[1]).all()


def test_progress_counts_the_characters_embedded(built, encoder, article_text, tmp_path, monkeypatch):
    from citeqa import Assistant

    monkeypatch.setattr(store, "EMBED_STEP", 8)  # several reports from one article
    heard, counting = [], CountingEncoder(encoder)
    hear = lambda *p: heard.append(p)  # noqa: E731
    (tmp_path / "article.txt").write_text(article_text, encoding="utf-8")
    paths = [tmp_path / "article.txt"]
    first = Assistant.from_paths(paths, tmp_path / "index", encoder=counting, progress=hear)
    total = sum(len(t) for t in counting.texts)
    assert len(heard) > 3 and heard[0] == (0, total) and heard[-1] == (total, total)
    assert [d for d, _ in heard] == sorted({d for d, _ in heard}) and {t for _, t in heard} == {total}
    # the same vectors, up to bfloat16's rounding in batches made up otherwise (test_embed.py)
    for ours, theirs in ((first.index.sentence_vectors, built.sentence_vectors),
                         (first.index.chunk_vectors, built.chunk_vectors)):  # fmt: skip
        assert (ours * theirs).sum(axis=1).min() > 0.9999

    heard.clear()
    Assistant.from_paths(paths, tmp_path / "index", encoder=counting, progress=hear)
    assert heard == []  # an index that is up to date embeds nothing
