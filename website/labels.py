"""String enums whose members carry a translated label for people (``Kind.PHOTO.label``)."""

from __future__ import annotations

import enum

from flask_babel.speaklater import LazyString

# Keyed by (enum class, value): members of different enums with the same value (both a
# payment status and a payment source are "created") are equal, yet labelled apart.
_LABELS: dict[tuple[type[enum.Enum], str], LazyString] = {}


class Labelled(enum.StrEnum):
    """Stored by value; shown by its label, registered with ``set_labels``."""

    @property
    def label(self) -> LazyString:
        """Lazy: it is translated when shown, in the language of that moment."""
        return _LABELS[(type(self), self.value)]


def set_labels(labels: dict[Labelled, LazyString]) -> None:
    _LABELS.update({(type(member), member.value): label for member, label in labels.items()})
