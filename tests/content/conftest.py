"""Fixtures for the content tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.content.content_tree import PROJECT_ROOT, ContentTree


@pytest.fixture
def tree(tmp_path: Path) -> ContentTree:
    """A copy of the project's real content that a test may break."""
    for directory in ("modules", "assignments"):
        shutil.copytree(PROJECT_ROOT / directory, tmp_path / directory)
    return ContentTree(tmp_path)
