"""Which editor opens which kind of record: ``EDITORS[entity] = "module:callable"``.

The callable is called as ``callable(main_window, record_id)`` (``record_id`` None for a new
record) and returns a dialog (shown modeless by the window) or None. ``entity`` is the service's
``entity`` name ("school", "person", "agreement"...). Every target must load
(``tests/test_targets_load.py``); a kind of record not listed has no editor.
"""

from __future__ import annotations

EDITORS: dict[str, str] = {
    "school": "ui.editors.school_editor:open_school",
    "person": "ui.editors.person_editor:open_person",
    "programme": "ui.editors.simple_editors:open_programme",
    "cohort": "ui.editors.cohort_editor:open_cohort",
    "enrolment": "ui.editors.simple_editors:open_enrolment",
    "placement": "ui.editors.placement_editor:open_placement",
    "role": "ui.editors.simple_editors:open_role",
    "designation": "ui.editors.simple_editors:open_designation",
    "mentor_training": "ui.editors.simple_editors:open_mentor_training",
    "agreement": "ui.editors.agreement_launcher:open_agreement",
    "event": "ui.editors.event_editor:open_event",
    "placement_rule": "ui.editors.simple_editors:open_placement_rule",
    "term_dates": "ui.editors.simple_editors:open_term_dates",
}
