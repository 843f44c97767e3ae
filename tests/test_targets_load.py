"""Every page, menu action and editor named as a ``"module:function"`` string loads.

The targets are imported when first used (start-up stays light), so nothing but this test and
the packaged app's smoke hook (``ui.smoke.missing_targets``, reused here) sees a target that no
longer imports. A failing import is a bug that raises, never a feature quietly missing.
"""

from __future__ import annotations

import pytest

from ittdesk.cli import COMMAND_MODULES
from ui import editors, smoke, views
from ui.main_window import load_target

pytestmark = pytest.mark.gui


def test_every_page_action_and_editor_target_imports():
    counts, missing = smoke.missing_targets()
    assert missing == []
    assert counts == {"pages": len(views.PAGES), "actions": len(views.ACTIONS),
                      "editors": len(editors.EDITORS), "command modules": len(COMMAND_MODULES)}


def test_a_target_that_does_not_import_raises_instead_of_disappearing():
    with pytest.raises(ModuleNotFoundError):
        load_target("ui.views.no_such_page:NoSuchPage")
    with pytest.raises(AttributeError):
        load_target("ui.views.home_page:NoSuchPage")
    assert load_target("ui.views.home_page:HomePage").__name__ == "HomePage"
