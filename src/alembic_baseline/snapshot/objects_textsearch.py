"""Text search dictionaries and configurations (their parsers and templates are C-level objects
made with C functions: the inventory compares those by name only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from alembic_baseline.snapshot.objects import CatalogObject


@dataclass(frozen=True)
class TextSearchDictionary(CatalogObject):
    """``options`` as the catalog stores them (``stopwords = 'english'``: name, then the value
    quoted as CREATE needs it), sorted by name; ``template`` qualified."""

    KIND: ClassVar[str] = "text search dictionary"
    schema: str
    name: str
    template: str
    options: tuple[str, ...] = ()
    owner: str | None = None


@dataclass(frozen=True)
class TextSearchConfiguration(CatalogObject):
    """``mappings``: ``token: dictionary, dictionary`` per token type of the parser that has
    one (dictionaries qualified, in the order they are consulted), sorted by token type."""

    KIND: ClassVar[str] = "text search configuration"
    schema: str
    name: str
    parser: str
    mappings: tuple[str, ...] = ()
    owner: str | None = None
