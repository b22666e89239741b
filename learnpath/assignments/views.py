"""Assignment pages: the participant's workspace, assignment and self-assessment pages; the
colleague's one-time feedback page; the facilitator's matrix, review, notes and extensions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from learnpath.accounts.models import Role
from learnpath.assignments import answers as answer_rules
from learnpath.assignments import charts, queries, selfassessment, services
from learnpath.assignments.blueprint import bp, score, tx
from learnpath.assignments.forms import (
    ExtensionForm,
    FeedbackForm,
    NoteEditForm,
    NoteForm,
    ShareForm,
)
from learnpath.assignments.models import (
    AssessmentMoment,
    FacilitatorNote,
    FeedbackRequest,
    Submission,
)
from learnpath.assignments.next_steps import next_steps, timeline_sessions
from learnpath.cohorts.access import (
    get_cohort_enrolment,
    get_facilitated_cohort,
    get_managed_cohort,
)
from learnpath.cohorts.models import Cohort, CohortKind, Enrolment
from learnpath.cohorts.queries import sessions_of
from learnpath.cohorts.tracks import kinds_for_role, track_of
from learnpath.content.schema import Assignment, Content, FeedbackRequestBlock
from learnpath.content_registry import get_content
from learnpath.db import utcnow
from learnpath.extensions import db
from learnpath.privacy.models import AuditAction
from learnpath.privacy.services import record_audit
from learnpath.web.access import public, roles
from learnpath.web.actions import commit, run_action, run_form_action, unit_of_work
from learnpath.web.forms import ConfirmForm

AUTOSAVE_HEADER = "X-Autosave"


# --- helpers -------------------------------------------------------------------------------


def _enrolment_or_404() -> Enrolment:
    enrolment = services.workspace_enrolment(current_user)
    if enrolment is None:
        abort(404)
    return enrolment


def _assignment_or_404(content: Content, cohort: Cohort, slug: str) -> Assignment:
    assignment = next((a for a in services.assignments_of(cohort, content) if a.slug == slug), None)
    if assignment is None:
        abort(404)
    return assignment


def _links(cohort: Cohort) -> Callable[[str], str]:
    """A function: assignment slug -> the page where a member of ``cohort`` works on it."""

    def link(slug: str) -> str:
        endpoint, values = services.assignment_endpoint(cohort, slug)
        return url_for(endpoint, **values)

    return link


def _competency_names(content: Content) -> dict[str, str]:
    return {slug: tx(c.name) for slug, c in content.competencies.items()}


def _by_block(
    assignment: Assignment, requests: list[FeedbackRequest]
) -> dict[str, list[FeedbackRequest]]:
    return {b.slug: [r for r in requests if r.block_slug == b.slug] for b in assignment.blocks}


def _cohort_enrolment(cohort: Cohort, enrolment_id: int) -> Enrolment:
    """An enrolment of the cohort that has a workspace; 404 otherwise."""
    enrolment = get_cohort_enrolment(cohort, enrolment_id)
    if enrolment.status not in services.WORKSPACE_STATUSES:
        abort(404)
    return enrolment


# --- participant: workspace ----------------------------------------------------------------


@bp.route("/opdrachten")
@roles(Role.PARTICIPANT)
def workspace() -> ResponseReturnValue:
    """Show the participant's timeline: sessions, assignments, due dates, what comes next."""
    enrolment = services.workspace_enrolment(current_user)
    if enrolment is None:
        return render_template("assignments/workspace.html", enrolment=None)
    return _workspace_page(enrolment, _("My assignments"))


def _workspace_page(enrolment: Enrolment, heading: str) -> str:
    content = get_content()
    now = utcnow()
    is_programme = enrolment.cohort.kind == CohortKind.PROGRAMME
    timeline = queries.timeline(enrolment, content, now)
    if is_programme:
        cohort = enrolment.cohort
        done = selfassessment.find(enrolment.user_id, cohort.id)
        steps = next_steps(
            timeline,
            now,
            selfassessment.windows(cohort, content, timeline_sessions(timeline)),
            AssessmentMoment.START in done,
            AssessmentMoment.FOLLOW_UP in done,
        )
    else:
        steps = next_steps(timeline, now)
    return render_template(
        "assignments/workspace.html",
        enrolment=enrolment,
        heading=heading,
        is_programme=is_programme,
        timeline=timeline,
        steps=steps,
        link_to=_links(enrolment.cohort),
        competencies=_competency_names(content),
    )


def _theme(cohort: Cohort, assignment: Assignment) -> str | None:
    """A manager track's theme of a reflection: the name of the meeting it follows."""
    slot = next(
        (s for s in track_of(cohort).plan(cohort).slots if s.slug == assignment.after_session),
        None,
    )
    return tx(slot.name) if slot is not None and slot.name else None


def _render_assignment(
    enrolment: Enrolment,
    assignment: Assignment,
    content: Content,
    submission: Submission | None,
    answers: dict[str, Any],
    errors: dict[str, str],
) -> str:
    now = utcnow()
    due = services.due_for(enrolment, assignment, content)
    editable = services.can_edit(enrolment, assignment, due, now) and services.can_revise(
        submission, due, now
    )
    known = {b.slug for b in assignment.blocks}
    requests = services.requests_of(submission)
    # What services.invited_counts counts, from the requests the page reads anyway.
    invited = dict(Counter(r.block_slug for r in requests))
    cohort = enrolment.cohort
    is_programme = cohort.kind == CohortKind.PROGRAMME
    return render_template(
        "assignments/assignment.html",
        assignment=assignment,
        competency=tx(content.competencies[assignment.competency].name),
        theme=None if is_programme else _theme(cohort, assignment),
        submission=submission,
        answers=answers,
        errors=errors,
        due=due,
        is_overdue=services.is_past_due(due, now)
        and (submission is None or not submission.is_handed_in),
        deadline_paused=due is None and services.is_deadline_paused(enrolment, assignment, content),
        editable=editable,
        rows_to_show=answer_rules.rows_to_show,
        field_id=answer_rules.field_id,
        orphans={k: v for k, v in answers.items() if k not in known},
        is_old_version=submission is not None and submission.content_version != content.version,
        requests=_by_block(assignment, requests),
        invited=invited,
        share_form=ShareForm(),
        now=now,
        back_url=url_for("assignments.workspace")
        if is_programme
        else url_for("assignments.reflections", cohort_id=cohort.id),
        back_label=_("Back to my assignments") if is_programme else _("Back to my reflections"),
    )


@bp.route("/opdrachten/<slug>", methods=["GET", "POST"])
@roles(Role.PARTICIPANT)
def assignment(slug: str) -> ResponseReturnValue:
    """Show an assignment; save a draft, hand in, or invite colleagues (no input is lost)."""
    return _work_on(_enrolment_or_404(), slug)


def _work_on(enrolment: Enrolment, slug: str) -> ResponseReturnValue:
    """GET shows the assignment; POST saves a draft, hands in or invites colleagues.

    Shared by the participant's workspace and the manager's reflections.
    """
    content = get_content()
    assignment = _assignment_or_404(content, enrolment.cohort, slug)
    if assignment.is_action_plan:
        abort(404)
    submission = services.find_submission(enrolment, slug)
    if request.method == "GET":
        answers = dict(submission.answers) if submission else {}
        return _render_assignment(enrolment, assignment, content, submission, answers, {})

    action = request.form.get("action", "save")
    answers = answer_rules.parse_answers(
        assignment, request.form, dict(submission.answers) if submission else None
    )
    autosave = request.headers.get(AUTOSAVE_HEADER) == "1"
    with unit_of_work() as work:
        if action == "submit":
            due = services.due_for(enrolment, assignment, content)
            handed_in = services.submit(enrolment, assignment, content, answers, due)
            message = (
                _("Handed in after the deadline; it is marked as late.")
                if handed_in.is_late
                else _("Handed in. Your facilitator can now see it.")
            )
        elif action.startswith("invite:"):
            block = next((b for b in assignment.blocks if b.slug == action.split(":", 1)[1]), None)
            if not isinstance(block, FeedbackRequestBlock):
                abort(400)
            sent = services.invite_colleagues(enrolment, assignment, block, content, answers)
            message = _("%(n)s invitations sent.", n=len(sent))
        else:
            services.save_draft(enrolment, assignment, content, answers)
            message = _("Draft saved.")
    if work.refusal is not None:
        if autosave:
            return jsonify(saved=False, message=work.message, errors=work.errors), 422
        flash(work.message, "error")
        submission = services.find_submission(enrolment, slug)
        return _render_assignment(enrolment, assignment, content, submission, answers, work.errors)
    if autosave:
        return jsonify(saved=True, message=_("Draft saved at %(time)s.", time=_now_time()))
    flash(message, "success")
    return redirect(_links(enrolment.cohort)(slug))


# --- managers: reflections in a workshop group ----------------------------------------------


def _reflection_enrolment_or_404(cohort_id: int) -> Enrolment:
    """The current manager's place in a workshop group with reflections; 404 otherwise."""
    cohort = db.get_or_404(Cohort, cohort_id)
    enrolment = None
    if cohort.kind in kinds_for_role(Role.MANAGER):
        enrolment = services.member_enrolment(current_user, cohort)
    if enrolment is None:
        abort(404)
    return enrolment


@bp.route("/leidinggevenden/groepen/<id:cohort_id>/reflecties")
@roles(Role.MANAGER)
def reflections(cohort_id: int) -> ResponseReturnValue:
    """Show a manager's reflections in one workshop group: per meeting, due moment and state."""
    enrolment = _reflection_enrolment_or_404(cohort_id)
    return _workspace_page(enrolment, _("My reflections"))


@bp.route("/leidinggevenden/groepen/<id:cohort_id>/reflecties/<slug>", methods=["GET", "POST"])
@roles(Role.MANAGER)
def reflection(cohort_id: int, slug: str) -> ResponseReturnValue:
    """Show a reflection; save a draft or hand it in (the group's facilitator gives feedback)."""
    return _work_on(_reflection_enrolment_or_404(cohort_id), slug)


def _now_time() -> str:
    return format_datetime(utcnow(), "HH:mm")


@bp.route("/opdrachten/<slug>/verzoeken/<id:request_id>/delen", methods=["POST"])
@roles(Role.PARTICIPANT)
def share_request(slug: str, request_id: int) -> ResponseReturnValue:
    """Share a colleague's answers with the facilitator, or stop sharing them."""
    feedback_request = db.get_or_404(FeedbackRequest, request_id)
    if feedback_request.submission.user_id != current_user.id:
        abort(404)
    form = ShareForm()
    if not form.validate_on_submit():
        abort(400)
    shared = request.form.get("shared") == "1"
    services.set_request_shared(feedback_request, shared)
    commit()
    flash(
        _("Your facilitator can now read these answers.")
        if shared
        else _("These answers are no longer shared with your facilitator."),
        "success",
    )
    return redirect(
        url_for("assignments.assignment", slug=slug) + f"#requests-{feedback_request.block_slug}"
    )


# --- participant: self-assessment ----------------------------------------------------------


#: competency, start, end, change (end - start), follow-up
ScoreRow = tuple[str, float | None, float | None, float | None, float | None]


def _scores_view(
    content: Content, title: str, results: Mapping[AssessmentMoment, Mapping[str, float | None]]
) -> tuple[list[ScoreRow], Markup | None]:
    """Table rows (competency, start, end, change, follow-up) and the radar chart."""
    inst = selfassessment.instrument(content)
    names = _competency_names(content)
    axes = [names[s.competency] for s in inst.scales]
    rows: list[ScoreRow] = []
    for scale in inst.scales:
        start = results.get(AssessmentMoment.START, {}).get(scale.competency)
        end = results.get(AssessmentMoment.END, {}).get(scale.competency)
        later = results.get(AssessmentMoment.FOLLOW_UP, {}).get(scale.competency)
        change = round(end - start, 2) if start is not None and end is not None else None
        rows.append((names[scale.competency], start, end, change, later))
    series = [
        charts.Series(label, [results[m].get(s.competency) for s in inst.scales], css)
        for m, label, css in (
            (AssessmentMoment.START, _("Start"), "series-start"),
            (AssessmentMoment.END, _("End"), "series-end"),
            (AssessmentMoment.FOLLOW_UP, _("Follow-up measurement"), "series-follow-up"),
        )
        if m in results
    ]
    if not series:
        return rows, None
    described = "; ".join(
        f"{s.name}: " + ", ".join(f"{axes[i]} {score(v)}" for i, v in enumerate(s.values))
        for s in series
    )
    chart = charts.radar_svg(
        "radar", axes, series, inst.scale_min, inst.scale_max, title, described
    )
    return rows, chart


def _may_take(enrolment: Enrolment, moment: AssessmentMoment) -> bool:
    """Start and end while the member can still work; the follow-up after completing too."""
    if moment == AssessmentMoment.FOLLOW_UP:
        return selfassessment.may_take(enrolment.status, moment)
    return services.can_edit(enrolment)


@bp.route("/zelfscan")
@roles(Role.PARTICIPANT)
def self_assessment() -> ResponseReturnValue:
    """Show the self-assessment moments and the participant's scores as radar chart and table."""
    enrolment = _enrolment_or_404()
    content = get_content()
    inst = selfassessment.instrument(content)
    cohort = enrolment.cohort
    window = selfassessment.windows(cohort, content, sessions_of(cohort))
    done = selfassessment.find(current_user.id, cohort.id)
    results = {m: selfassessment.scores(inst, row.answers) for m, row in done.items()}
    table, chart = _scores_view(content, _("Your scores per career competency"), results)
    now = utcnow()
    return render_template(
        "assignments/self_assessment.html",
        instrument=inst,
        done=done,
        shared=selfassessment.is_shared(enrolment.id),
        share_form=ConfirmForm(),
        can_take={
            m: _may_take(enrolment, m) and m not in done and window.is_open(m, now)
            for m in AssessmentMoment
        },
        window=window,
        table=table,
        chart=chart,
        now=now,
    )


@bp.route("/zelfscan/delen", methods=["POST"])
@roles(Role.PARTICIPANT)
def share_self_assessment() -> ResponseReturnValue:
    """Share the own scores with the facilitators of the cohort, or stop sharing them."""
    enrolment = _enrolment_or_404()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    shared = request.form.get("share") == "yes"
    selfassessment.set_shared(enrolment.id, shared)
    commit()
    flash(
        _("Your facilitator can now see your scores.")
        if shared
        else _("Your facilitator no longer sees your scores."),
        "success",
    )
    return redirect(url_for("assignments.self_assessment"))


@bp.route("/zelfscan/<moment>", methods=["GET", "POST"])
@roles(Role.PARTICIPANT)
def take_self_assessment(moment: str) -> ResponseReturnValue:
    """Fill in the self-assessment at the start or the end of the programme."""
    enrolment = _enrolment_or_404()
    try:
        which = AssessmentMoment(moment)
    except ValueError:
        abort(404)
    content = get_content()
    inst = selfassessment.instrument(content)
    cohort = enrolment.cohort
    window = selfassessment.windows(cohort, content, sessions_of(cohort))
    now = utcnow()
    if which in selfassessment.find(current_user.id, cohort.id):
        flash(_("You have completed this self-assessment already."), "info")
        return redirect(url_for("assignments.self_assessment"))
    if not _may_take(enrolment, which) or not window.is_open(which, now):
        flash(_("This self-assessment is not open now."), "info")
        return redirect(url_for("assignments.self_assessment"))
    given: dict[str, int] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        given, errors = selfassessment.parse(inst, request.form)
        if run_action(
            lambda: selfassessment.save(
                current_user.id, cohort, which, content, given, errors, window, now
            ),
            _("Thank you; your answers are saved."),
        ):
            return redirect(url_for("assignments.self_assessment"))
    return render_template(
        "assignments/take_self_assessment.html",
        instrument=inst,
        moment=which,
        given=given,
        errors=errors,
        item_field=selfassessment.item_field,
        competencies=_competency_names(content),
    )


# --- colleagues (no account) ---------------------------------------------------------------


def _private(body: str, status: int = 200) -> Response:
    """A response for a page reached through a token link."""
    response = make_response(body, status)
    # The token is in the URL: keep it out of Referer headers and caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _request_block(feedback_request: FeedbackRequest) -> FeedbackRequestBlock | None:
    assignment = get_content().assignments.get(feedback_request.submission.assignment_slug)
    if assignment is None:
        return None
    block = next((b for b in assignment.blocks if b.slug == feedback_request.block_slug), None)
    return block if isinstance(block, FeedbackRequestBlock) else None


@bp.route("/feedback/<token>", methods=["GET", "POST"])
@public
def colleague_answer(token: str) -> ResponseReturnValue:
    """Let a colleague answer a participant's questions once, through their personal link."""
    now = utcnow()
    feedback_request = services.find_request(token)
    block = _request_block(feedback_request) if feedback_request else None
    if feedback_request is None or block is None:
        page = render_template("assignments/colleague_unusable.html", reason="unknown")
        return _private(page, 404)
    if not services.request_is_usable(feedback_request, now):
        reason = "used" if feedback_request.used_at else "expired"
        page = render_template("assignments/colleague_unusable.html", reason=reason)
        return _private(page, 410)
    replies = ["" for _q in block.questions]
    errors: dict[str, str] = {}
    if request.method == "POST":
        replies = [
            (request.form.get(f"q-{i}") or "").replace("\r\n", "\n").strip()
            for i in range(len(block.questions))
        ]
        with unit_of_work() as work:
            services.answer_request(feedback_request, block, replies, now)
        if work.ok:
            return _private(render_template("assignments/colleague_thanks.html"))
        errors = work.errors  # shown with each question
        flash(work.message, "error")
    # The colleague sees the participant's language unless they chose one themselves.
    chosen = str(session.get("lang") or "")
    lang = chosen if chosen in current_app.config["LANGUAGES"] else feedback_request.locale
    with force_locale(lang):
        page = render_template(
            "assignments/colleague_answer.html",
            sender=feedback_request.sender_name,
            intro=block.intro.get(lang),
            questions=[q.get(lang) for q in block.questions],
            replies=replies,
            errors=errors,
            token=token,
            expires_at=feedback_request.expires_at,
        )
    return _private(page)


# --- facilitators --------------------------------------------------------------------------


@bp.route("/cohorten/<id:cohort_id>/opdrachten")
@roles(Role.FACILITATOR)
def matrix(cohort_id: int) -> ResponseReturnValue:
    """Show the progress of every participant on every assignment."""
    cohort = get_facilitated_cohort(cohort_id)
    return _matrix_page(cohort, _extension_form(cohort, formdata=None))


def _matrix_page(cohort: Cohort, deadline_form: ExtensionForm) -> str:
    content = get_content()
    return render_template(
        "assignments/matrix.html",
        cohort=cohort,
        is_programme=cohort.kind == CohortKind.PROGRAMME,
        matrix=queries.progress_matrix(cohort, content, utcnow()),
        competencies=_competency_names(content),
        deadline_form=deadline_form,
    )


@bp.route("/cohorten/<id:cohort_id>/opdrachten/deadline", methods=["POST"])
@roles(Role.FACILITATOR)
def group_deadline(cohort_id: int) -> ResponseReturnValue:
    """Set the deadline of one assignment for the whole group (e.g. after a cancellation)."""
    cohort = get_managed_cohort(cohort_id)
    form = _extension_form(cohort)
    if form.validate_on_submit() and form.due_at.data is not None:
        content = get_content()
        assignment = _assignment_or_404(content, cohort, form.assignment.data or "")
        due_at = _as_utc(form.due_at.data, ZoneInfo(cohort.organisation.timezone))
        if run_form_action(
            form,
            lambda: services.set_group_deadline(cohort, assignment, due_at, current_user, content),
            _(
                "Deadline extended for the group for %(title)s: %(when)s. Everyone gets an email.",
                title=tx(assignment.title),
                when=format_datetime(due_at, "EEEE d MMMM y, HH:mm"),
            ),
            field="due_at",
        ):
            return redirect(url_for("assignments.matrix", cohort_id=cohort.id))
    return _matrix_page(cohort, form)


@bp.route("/cohorten/<id:cohort_id>/inzendingen/<id:submission_id>", methods=["GET", "POST"])
@roles(Role.FACILITATOR)
def submission(cohort_id: int, submission_id: int) -> ResponseReturnValue:
    """Read a handed-in submission (audited) and give feedback (the participant is notified)."""
    cohort = get_facilitated_cohort(cohort_id)
    found = db.get_or_404(Submission, submission_id)
    # Drafts are the participant's own until handed in.
    if found.cohort_id != cohort.id or not found.is_handed_in:
        abort(404)
    content = get_content()
    assignment = _assignment_or_404(content, cohort, found.assignment_slug)
    form = FeedbackForm()
    if form.validate_on_submit() and run_form_action(
        form,
        lambda: services.give_feedback(found, assignment, current_user, form.text.data or ""),
        _("Feedback saved; %(name)s gets an email.", name=found.user.name),
        field="text",
    ):
        return redirect(url_for("assignments.matrix", cohort_id=cohort.id))
    record_audit(current_user, found.user_id, AuditAction.SUBMISSION_VIEW, f"submission:{found.id}")
    commit()
    requests = [r for r in services.requests_of(found) if r.is_shared_with_facilitator]
    known = {b.slug for b in assignment.blocks}
    return render_template(
        "assignments/review.html",
        cohort=cohort,
        submission=found,
        assignment=assignment,
        answers=found.answers,
        orphans={k: v for k, v in found.answers.items() if k not in known},
        requests=_by_block(assignment, requests),
        due=services.due_for(found.enrolment, assignment, content),
        form=form,
    )


def _participant_page(
    cohort: Cohort,
    enrolment: Enrolment,
    note_form: NoteForm,
    extension_form: ExtensionForm,
) -> str:
    content = get_content()
    table, chart = None, None
    if selfassessment.is_shared(enrolment.id):
        inst = selfassessment.instrument(content)
        done = selfassessment.find(enrolment.user_id, cohort.id)
        results = {m: selfassessment.scores(inst, row.answers) for m, row in done.items()}
        table, chart = _scores_view(content, _("Scores shared by the participant"), results)
        record_audit(
            current_user,
            enrolment.user_id,
            AuditAction.READ_SELF_ASSESSMENT,
            f"enrolment:{enrolment.id}",
        )
        commit()
    return render_template(
        "assignments/participant.html",
        cohort=cohort,
        enrolment=enrolment,
        scores_table=table,
        scores_chart=chart,
        timeline=queries.timeline(enrolment, content, utcnow()),
        notes=services.notes_about(cohort, enrolment.user_id),
        note_form=note_form,
        extension_form=extension_form,
    )


def _extension_form(cohort: Cohort, **kwargs: Any) -> ExtensionForm:
    form = ExtensionForm(**kwargs)
    form.assignment.choices = [
        SelectChoice(a.slug, tx(a.title))
        for a in services.assignments_of(cohort, get_content())
        if not a.is_action_plan
    ]
    return form


@bp.route("/cohorten/<id:cohort_id>/deelnemers/<id:enrolment_id>")
@roles(Role.FACILITATOR)
def participant(cohort_id: int, enrolment_id: int) -> ResponseReturnValue:
    """Show one participant's progress, the private notes and the extension form."""
    cohort = get_facilitated_cohort(cohort_id)
    enrolment = _cohort_enrolment(cohort, enrolment_id)
    return _participant_page(cohort, enrolment, NoteForm(formdata=None), _extension_form(cohort))


@bp.route("/cohorten/<id:cohort_id>/deelnemers/<id:enrolment_id>/notities", methods=["POST"])
@roles(Role.FACILITATOR)
def add_note(cohort_id: int, enrolment_id: int) -> ResponseReturnValue:
    """Add a private note about a participant (only this cohort's facilitators see it)."""
    cohort = get_facilitated_cohort(cohort_id)
    enrolment = _cohort_enrolment(cohort, enrolment_id)
    form = NoteForm()
    if form.validate_on_submit() and run_form_action(
        form,
        lambda: services.add_note(cohort, enrolment.user_id, current_user, form.text.data or ""),
        _("Note saved."),
        field="text",
    ):
        return redirect(
            url_for("assignments.participant", cohort_id=cohort.id, enrolment_id=enrolment.id)
        )
    return _participant_page(cohort, enrolment, form, _extension_form(cohort))


def _note_or_404(cohort: Cohort, enrolment: Enrolment, note_id: int) -> FacilitatorNote:
    """A note about this participant of this cohort, written by the current facilitator (a
    co-facilitator reads it but may not change it: 403)."""
    note = db.session.get(FacilitatorNote, note_id)
    if note is None or note.cohort_id != cohort.id or note.user_id != enrolment.user_id:
        abort(404)
    if note.author_id != current_user.id:
        abort(403)
    return note


def _participant_url(cohort: Cohort, enrolment: Enrolment) -> str:
    return url_for("assignments.participant", cohort_id=cohort.id, enrolment_id=enrolment.id)


@bp.route(
    "/cohorten/<id:cohort_id>/deelnemers/<id:enrolment_id>/notities/<id:note_id>/bewerken",
    methods=["GET", "POST"],
)
@roles(Role.FACILITATOR)
def edit_note(cohort_id: int, enrolment_id: int, note_id: int) -> ResponseReturnValue:
    """The author changes the text of a private note (audited)."""
    cohort = get_facilitated_cohort(cohort_id)
    enrolment = _cohort_enrolment(cohort, enrolment_id)
    note = _note_or_404(cohort, enrolment, note_id)
    form = NoteEditForm(data={"text": note.text})
    if form.validate_on_submit() and run_form_action(
        form,
        lambda: services.edit_note(note, current_user, form.text.data or ""),
        _("Note saved."),
        field="text",
    ):
        return redirect(_participant_url(cohort, enrolment) + "#notes-heading")
    return render_template(
        "assignments/note_edit.html", cohort=cohort, enrolment=enrolment, note=note, form=form
    )


@bp.route(
    "/cohorten/<id:cohort_id>/deelnemers/<id:enrolment_id>/notities/<id:note_id>/verwijderen",
    methods=["GET", "POST"],
)
@roles(Role.FACILITATOR)
def delete_note(cohort_id: int, enrolment_id: int, note_id: int) -> ResponseReturnValue:
    """Ask for confirmation, then delete a private note (audited)."""
    cohort = get_facilitated_cohort(cohort_id)
    enrolment = _cohort_enrolment(cohort, enrolment_id)
    note = _note_or_404(cohort, enrolment, note_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        run_action(lambda: services.delete_note(note, current_user), _("Note deleted."), "info")
        return redirect(_participant_url(cohort, enrolment) + "#notes-heading")
    return render_template(
        "assignments/note_delete.html", cohort=cohort, enrolment=enrolment, note=note, form=form
    )


@bp.route("/cohorten/<id:cohort_id>/deelnemers/<id:enrolment_id>/verlenging", methods=["POST"])
@roles(Role.FACILITATOR)
def extend(cohort_id: int, enrolment_id: int) -> ResponseReturnValue:
    """Give a participant a later deadline for one assignment."""
    cohort = get_facilitated_cohort(cohort_id)
    enrolment = _cohort_enrolment(cohort, enrolment_id)
    form = _extension_form(cohort)
    if form.validate_on_submit() and form.due_at.data is not None:
        content = get_content()
        assignment = _assignment_or_404(content, cohort, form.assignment.data or "")
        zone = ZoneInfo(cohort.organisation.timezone)
        due_at = _as_utc(form.due_at.data, zone)
        if run_form_action(
            form,
            lambda: services.grant_extension(enrolment, assignment, due_at, current_user, content),
            _(
                "Deadline extended for %(title)s: %(when)s. The participant gets an email.",
                title=tx(assignment.title),
                when=format_datetime(due_at, "EEEE d MMMM y, HH:mm"),
            ),
            field="due_at",
        ):
            return redirect(
                url_for("assignments.participant", cohort_id=cohort.id, enrolment_id=enrolment.id)
            )
    return _participant_page(cohort, enrolment, NoteForm(formdata=None), form)


def _as_utc(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))


@bp.route("/cohorten/<id:cohort_id>/zelfscan")
@roles(Role.FACILITATOR)
def cohort_self_assessment(cohort_id: int) -> ResponseReturnValue:
    """Show the cohort's mean self-assessment scores (never individual ones)."""
    cohort = get_facilitated_cohort(cohort_id)
    if cohort.kind != CohortKind.PROGRAMME:
        abort(404)  # the self-assessment belongs to the participant programme
    content = get_content()
    aggregates = {a.moment: a for a in selfassessment.cohort_aggregate(cohort, content)}
    shown = {m: dict(a.means) for m, a in aggregates.items() if not a.is_suppressed}
    rows, chart = _scores_view(content, _("Group means per career competency"), shown)
    return render_template(
        "assignments/cohort_self_assessment.html",
        cohort=cohort,
        aggregates=aggregates,
        rows=rows,
        min_group=selfassessment.MIN_GROUP,
        chart=chart,
    )
