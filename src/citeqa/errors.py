"""Errors raised by citeqa; each message says what to do next."""

from __future__ import annotations


class CiteqaError(Exception):
    """Base class of every error citeqa raises on purpose."""


class DocumentError(CiteqaError):
    """A document cannot be read: wrong type, not UTF-8, binary or empty."""


class IndexNotFoundError(CiteqaError):
    """No index exists in the folder that was named."""


class CorruptIndexError(CiteqaError):
    """An index file is missing, truncated or unreadable."""


class IndexWriteError(CiteqaError):
    """The index cannot be written: the folder is read-only or the disk is full."""


class StaleIndexError(CiteqaError):
    """The index no longer matches its documents or settings."""


class ModelMismatchError(CiteqaError):
    """The index was built with another embedding model."""


class QuestionError(CiteqaError, ValueError):
    """The question is empty or cannot be asked."""
