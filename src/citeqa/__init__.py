"""citeqa: ask questions of an article and get answers quoted from it, with exact citations."""

from __future__ import annotations

from .answer import Answer, Citation
from .assistant import Assistant
from .errors import (
    CiteqaError,
    CorruptIndexError,
    DocumentError,
    IndexNotFoundError,
    IndexWriteError,
    ModelMismatchError,
    QuestionError,
    StaleIndexError,
)
from .settings import Settings

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "CiteqaError",
    "CorruptIndexError",
    "DocumentError",
    "IndexNotFoundError",
    "IndexWriteError",
    "ModelMismatchError",
    "QuestionError",
    "Settings",
    "StaleIndexError",
    "__version__",
]
