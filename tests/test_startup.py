"""The app refuses to start on invalid content, naming every problem with file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from learnpath import create_app
from learnpath.content import ContentError

BROKEN = Path(__file__).parent / "fixtures" / "content" / "three-problems"


def test_app_refuses_to_start_on_invalid_content(app_config):
    with pytest.raises(ContentError) as error:
        create_app({**app_config, "CONTENT_DIR": str(BROKEN)})
    assert len(error.value.problems) == 3
    assert all(p.file in str(error.value) for p in error.value.problems)
