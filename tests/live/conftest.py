from __future__ import annotations

import pytest


@pytest.fixture
def clock(app, tmp_path):
    """Freeze the time pages use (the browser tests' hook, TEST_CLOCK_FILE)."""
    path = tmp_path / "clock"
    app.config["TEST_CLOCK_FILE"] = str(path)

    def set_to(moment):
        path.write_text(moment.isoformat(), encoding="utf-8")

    return set_to


def main_of(response) -> str:
    text = response.get_data(as_text=True)
    return text[text.index("<main") : text.index("</main>")]
