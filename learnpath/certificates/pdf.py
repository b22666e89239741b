"""The certificate of participation as a PDF (fpdf2, the DejaVu font of the plan export), in
the participant's language: every name prints as written ("Şahin Yılmaz", "Łódź")."""

from __future__ import annotations

from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from learnpath.accounts.models import User
from learnpath.cohorts.filters import session_name
from learnpath.cohorts.models import Cohort, CohortSession, Enrolment
from learnpath.content.schema import Content

ACCENT = (31, 78, 121)


def render_certificate(
    enrolment: Enrolment, sessions: list[CohortSession], content: Content
) -> bytes:
    """The certificate of ``enrolment`` (completed) naming the ``sessions`` attended."""
    user: User = enrolment.user
    with force_locale(user.locale or "nl"):
        return _render(user, enrolment.cohort, enrolment, sessions, content)


def _render(
    user: User,
    cohort: Cohort,
    enrolment: Enrolment,
    sessions: list[CohortSession],
    content: Content,
) -> bytes:
    # fpdf2 and the font are loaded on first use (as the plan export does).
    from fpdf import FPDF

    from learnpath.action_plans.export_pdf import FONT, FONT_DIR, FONT_FILES, pdf_text

    locale = user.locale or "nl"
    programme = content.programmes.get(cohort.programme_slug)
    programme_name = programme.name.get(locale) if programme else cohort.programme_slug
    pdf = FPDF(format="A4")
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, FONT_DIR / name)
    title = _("Certificate of participation")
    pdf.set_title(pdf_text(f"{title} – {user.name}"))
    pdf.set_author(pdf_text(cohort.organisation.name))
    pdf.set_lang(locale)
    pdf.set_margins(25, 30, 25)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(12, 12, pdf.w - 24, pdf.h - 24)

    def line(text: str, size: float, style: str = "", gap: float = 4) -> None:
        pdf.set_font(FONT, style, size)
        pdf.multi_cell(0, size * 0.55, pdf_text(text), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    pdf.set_text_color(*ACCENT)
    line(title, 28, "B", 14)
    pdf.set_text_color(30)
    line(_("This is to certify that"), 13)
    line(user.name, 22, "B", 8)
    line(_("has taken part in the programme"), 13)
    line(programme_name, 18, "B", 2)
    line(f"{cohort.name} · {cohort.organisation.name}", 12, "", 10)
    if sessions:
        line(_("Sessions attended:"), 12, "B", 1)
        for session in sessions:
            when = format_date(session.starts_at, "d MMMM y")
            line(f"{session_name(session)} – {when}", 11, "", 1)
        pdf.ln(8)
    if enrolment.ended_at:
        line(_("Completed on %(date)s", date=format_date(enrolment.ended_at, "d MMMM y")), 12)
    facilitators = ", ".join(f.name for f in cohort.facilitators)
    if facilitators:
        line(_("Facilitator: %(names)s", names=facilitators), 11)
    return bytes(pdf.output())
