import json

import numpy as np
import pytest

from citeqa import index as store
from citeqa.errors import CorruptIndexError, IndexNotFoundError, ModelMismatchError
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
    assert manifest["settings"] == Settings().index_settings()
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
    with pytest.raises(OSError, match="disk full"):
        store.save(built, tmp_path / "index")
    assert {p.name: p.read_bytes() for p in (tmp_path / "index").iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["index"]  # no temporary folder left
    monkeypatch.undo()
    store.load(tmp_path / "index", encoder)


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
