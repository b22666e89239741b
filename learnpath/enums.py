"""Enums whose members carry their label: states and actions are named once, with their words.

A member is written ``NAME = "stored value", _l("Label")``: the value is what the database and
URLs hold (a plain ``str``, unchanged by the label), ``member.label`` is a lazy translatable string
shown to people. A member without a label is an error when the class is defined, so a new state or
action cannot reach a page as a raw word.
"""

from __future__ import annotations

import enum
from typing import Self

from flask_babel.speaklater import LazyString


class LabelledEnum(enum.StrEnum):
    """A ``StrEnum`` whose members each have one translatable ``label``."""

    label: LazyString

    def __new__(cls, value: str, label: LazyString | None = None) -> Self:
        # Only called while the class is defined; looking a member up by value (``Cls("x")``)
        # goes through Enum's lookup, so the default exists for type checkers only.
        if label is None:
            raise TypeError(f"{cls.__name__} member {value!r} needs a label")
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict[Self, LazyString]:
        """Member -> label, in definition order (for choices and templates)."""
        return {member: member.label for member in cls}
