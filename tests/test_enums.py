"""Labelled enums: the stored value stays a plain string, every member has one label."""

from __future__ import annotations

import pytest
from flask_babel import lazy_gettext as _l

from learnpath.enums import LabelledEnum


class Colour(LabelledEnum):
    RED = "red", _l("Red")
    DARK_BLUE = "dark_blue", _l("Dark blue")


def test_members_are_their_stored_values():
    assert Colour("red") is Colour.RED
    assert Colour.DARK_BLUE == "dark_blue" and Colour.DARK_BLUE.value == "dark_blue"
    assert f"{Colour.RED}" == "red" and str(Colour.RED) == "red"
    assert {Colour.RED: 1}.get("red") == 1  # templates look labels up by the stored string
    with pytest.raises(ValueError):
        Colour("Red")


def test_each_member_carries_its_label():
    assert Colour.DARK_BLUE.label == _l("Dark blue")
    assert list(Colour.labels()) == [Colour.RED, Colour.DARK_BLUE]


def test_a_member_without_a_label_is_refused_when_the_class_is_defined():
    with pytest.raises(TypeError, match="needs a label"):

        class Broken(LabelledEnum):
            RAW = "raw"
