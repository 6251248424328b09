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


def labelled_enums() -> dict[str, type[Labelled]]:
    """Every labelled enum by its class name (once its module is imported), for templates:
    they compare members (``invoice.status == InvoiceStatus.DRAFT``), never stored strings."""
    return {kind.__name__: kind for kind in Labelled.__subclasses__()}
