"""One list of intervision roles (content's IntervisionRole), labelled once."""

from __future__ import annotations

from learnpath.content.schema import IntervisionRole
from learnpath.manager_tracks.forms import ROLE_LABELS, RolesForm
from learnpath.manager_tracks.rotation import DEFAULT_ROLES


def test_every_role_has_a_label_and_a_field_of_its_name(app):
    assert list(ROLE_LABELS) == list(IntervisionRole)
    with app.test_request_context():
        form = RolesForm(meta={"csrf": False})
        for role in IntervisionRole:
            assert getattr(form, role.value).label.text == str(ROLE_LABELS[role])


def test_default_roles_are_roles():
    assert all(isinstance(role, IntervisionRole) for role in DEFAULT_ROLES)
