from __future__ import annotations


def main_of(response) -> str:
    text = response.get_data(as_text=True)
    return text[text.index("<main") : text.index("</main>")]
