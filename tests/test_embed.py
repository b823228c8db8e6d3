import subprocess
import sys

import numpy as np
from conftest import ROOT

from citeqa.embed import DIRECT_UP_TO, Direct, Encoder

TEXTS = [
    "Who did Putin invite to Moscow?",
    "   And who will receive the Armenian one?  ",
    "Nagorno-Karabakh: 70,000 people fled — about half the population.",
    "Пути́н пригласи́л мини́стров. 普京邀请了部长们。 😀 مرحبا",
    "word " * 400,  # past the model's 256 tokens: truncated the same way
]


def test_short_batches_skip_sentence_transformers_and_give_the_same_vectors(encoder):
    assert isinstance(encoder.direct, Direct)
    direct = np.vstack([encoder.encode([t]) for t in TEXTS])
    assert len(TEXTS) <= DIRECT_UP_TO
    together = encoder.encode(TEXTS)  # one padded batch, still the direct path
    through_st = encoder.model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    assert np.abs(direct - through_st).max() < 1e-5
    assert np.abs(together - through_st).max() < 1e-5
    assert np.allclose(np.linalg.norm(direct, axis=1), 1, atol=1e-5)


def test_a_question_never_loads_sentence_transformers(tmp_path):
    fresh = Encoder()
    vector = fresh.encode(["Who did Putin invite to Moscow?"])
    assert fresh._model is None and vector.shape == (1, 384)  # the direct reading answered
    assert fresh.encode([" ", ""]).shape == (2, 384)
    (tmp_path / "modules.json").write_text("[]")  # not a plain MiniLM: sentence-transformers reads it
    assert Direct.of(tmp_path) is None and Direct.of(tmp_path / "missing") is None


def test_answering_imports_neither_sentence_transformers_nor_transformers():
    code = (
        "import sys; from citeqa import Assistant; "
        "a = Assistant.load('index'); answer = a.ask('Who did Putin invite to Moscow?'); "
        "assert answer.citations and not answer.abstained; "
        "heavy = ('sentence_transformers', 'transformers', 'sklearn'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_batches_in_bfloat16_give_nearly_the_float32_vectors(encoder, article_text, monkeypatch):
    """Indexing embeds in bfloat16 where the CPU has it; CITEQA_FLOAT32=1 keeps float32."""
    texts = [p.strip() for p in article_text.split("\n") if len(p.strip()) > 20]
    assert len(texts) > DIRECT_UP_TO
    fast = encoder.encode(texts)
    monkeypatch.setenv("CITEQA_FLOAT32", "1")
    exact_encoder = Encoder()
    assert exact_encoder.bfloat16 is False
    exact = exact_encoder.encode(texts)
    assert ((fast * exact).sum(axis=1)).min() > 0.9999
    np.testing.assert_array_equal(np.argsort(-(fast @ fast.T), axis=1)[:, :3],
                                  np.argsort(-(exact @ exact.T), axis=1)[:, :3])  # fmt: skip
