"""Sentences made outside the web layer that pages show in the reader's language (docs/i18n.md).

A ``Sentence`` keeps its English template (marked with ``N_`` for the catalog) and the values of its
``%(name)s`` placeholders: ``str()`` is the English text the CLI, the JSON API and the logs keep, and a page
passes its translator to ``in_language``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (translated where it is shown)."""
    return message


@dataclass(frozen=True, slots=True)
class Sentence:
    """An English template with ``%(name)s`` placeholders and their values."""

    template: str
    values: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template % self.values if self.values else self.template

    def in_language(self, translate: Callable[..., str]) -> str:
        """The sentence through ``translate`` (a ``translator_for(language)``), placeholders filled in."""
        return translate(self.template, **self.values)
