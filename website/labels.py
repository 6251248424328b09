"""String enums whose members carry a translated label for people (``Kind.PHOTO.label``)."""

from __future__ import annotations

import enum

from flask_babel.speaklater import LazyString

_LABELS: dict[enum.Enum, LazyString] = {}


class Labelled(enum.StrEnum):
    """Stored by value; shown by its label, registered with ``set_labels``."""

    @property
    def label(self) -> LazyString:
        """Lazy: it is translated when shown, in the language of that moment."""
        return _LABELS[self]


def set_labels(labels: dict[Labelled, LazyString]) -> None:
    _LABELS.update(labels)
