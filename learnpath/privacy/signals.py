"""What the privacy feature asks of the features below it.

Features that hold documents about a person (action plans, for instance) connect a receiver in
their own ``receivers.py`` and answer with the files to put in that person's download; privacy
itself knows none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from blinker import Namespace

_signals = Namespace()


@dataclass(frozen=True)
class PersonalFiles:
    """Files for a person's download, and the line that introduces them in LEESMIJ.txt."""

    heading: str
    files: list[tuple[str, bytes]] = field(default_factory=list)


#: Sent with ``user``; each receiver returns a PersonalFiles (or None when it has nothing).
personal_files = _signals.signal("personal-files")
