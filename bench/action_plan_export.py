"""Median time to generate the PDF and the DOCX of a full action plan (all sections, three
goals, eight actions, long insights). Run: .venv/bin/python bench/action_plan_export.py"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from learnpath import create_app
from learnpath.action_plans import plan_data
from learnpath.action_plans.export_docx import render_docx
from learnpath.action_plans.export_pdf import render_pdf

RUNS = 30
COMPETENCIES = {
    "kwaliteitenreflectie": "Kwaliteitenreflectie",
    "motievenreflectie": "Motievenreflectie",
    "werkexploratie": "Werkexploratie",
    "loopbaansturing": "Loopbaansturing",
    "netwerken": "Netwerken",
}
TEXT = (
    "Ik wil mijn ideeën over coördinatie en één gezamenlijke aanpak uitwerken, ook naïef gedacht. "
)


def full_plan() -> dict:
    goal = {
        "description": "Projectleiding oefenen in een café-overleg met collega's " * 2,
        "measurable": "twee projecten geleid, budget € 1.500",
        "achievable": "met steun van mijn team en coaching",
        "relevant": "past bij mijn ambitie en mijn drijfveren",
        "target_date": "2030-03-01",
        "horizon": "short",
    }
    action = {
        "what": "Informatief gesprek voeren",
        "who": "Zoë de Vries",
        "when": "2030-01-15",
        "result": "beeld van de rol",
    }
    return plan_data.normalise(
        {
            "career_question": TEXT * 3,
            "ambition": TEXT * 3,
            "insights": {slug: TEXT * 6 for slug in COMPETENCIES},
            "goals": [goal] * plan_data.MAX_GOALS,
            "actions": [action] * plan_data.MAX_ACTIONS,
            "support": {"kinds": list(plan_data.SUPPORT_KINDS), "details": TEXT * 2},
            "topics": TEXT * 3,
            "follow_up_on": "2030-06-01",
        }
    )


def median_ms(render: Callable[..., bytes], *args: object) -> tuple[float, int]:
    render(*args)  # warm up (imports, font metrics)
    times = []
    size = 0
    for _ in range(RUNS):
        start = time.perf_counter()
        size = len(render(*args))
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), size


def main() -> None:
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "bench", "TESTING": True})
    with app.test_request_context():
        sections = plan_data.document(full_plan(), plan_data.SECTIONS, COMPETENCIES)
        header = plan_data.Header(
            "Loopbaanactieplan",
            "Gemeente Testdorp",
            "Anouk de Vries",
            "Versie 1",
            "Gemaakt op 1 maart 2027",
        )
        for name, render in (("PDF", render_pdf), ("DOCX", render_docx)):
            ms, size = median_ms(render, header, sections, "Nog niets ingevuld.")
            print(f"{name}: median {ms:.1f} ms over {RUNS} runs ({size // 1024} KiB)")


if __name__ == "__main__":
    main()
