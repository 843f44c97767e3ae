"""The extension points of the main window: its pages and extra menu actions.

Adding a page is one line in ``PAGES``; adding a menu entry is one line in ``ACTIONS``. Targets
are ``"module:attribute"`` strings imported only when first used, so a page's heavy imports do
not slow start-up. Every target must load: ``tests/test_targets_load.py`` imports each one (as
the packaged app's smoke hook, ``ui.smoke``, does), and a failing import raises when used.

- A page target is a class (or function) called as ``target(main_window)`` returning a QWidget.
  It may subclass ``ui.views.base.Page`` to get the optional hooks the window calls (refresh,
  new record, delete, print, export, search, save/restore state); see that class. Its
  ``shows`` names the kinds of record it shows: only a write that changed one refreshes it.
- An action target is a function called as ``target(main_window)``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    key: str  # stable: used in settings ("last_page") and main_window.show_page(key)
    title: str  # shown in the navigation list
    target: str  # "module:callable" -> callable(main_window) -> QWidget
    tip: str = ""
    # Import the page's module while the app is idle after start-up, so it opens without that
    # wait; False for pages whose imports are heavy (openpyxl: see BENCHMARKS.md) and rarely used.
    warm_up: bool = True
    # With warm_up: also build the page while idle and call its ``prepare()`` (a list page loads
    # its ids), so opening it shows the rows at once. For the big lists people open most.
    prepare: bool = False
    # Shown (centred, muted) in the page's place in the window's first frame, the page itself
    # built straight after that first paint: the text the page shows while it loads. Empty: the
    # page is built before the window shows.
    loading: str = ""


@dataclass(frozen=True)
class ActionSpec:
    menu: str  # "File", "Edit", "View", "Tools" or "Help"
    text: str  # menu text, with & for the mnemonic and … when it asks for more
    target: str  # "module:function" -> function(main_window)
    shortcut: str = ""
    tip: str = ""


PAGES: list[PageSpec] = [
    PageSpec("home", "Home", "ui.views.home_page:HomePage", "What needs attention",
             loading="Looking at what needs attention…"),
    PageSpec("schools", "Schools", "ui.views.schools_page:SchoolsPage", "Partnership schools",
             prepare=True),
    PageSpec("people", "People", "ui.views.people_page:PeoplePage", "Leaders, mentors, trainees",
             prepare=True),
    PageSpec("programmes", "Programmes & cohorts", "ui.views.programmes_page:ProgrammesPage",
             "Programmes, cohorts and enrolments", prepare=True),
    PageSpec("placements", "Placements", "ui.views.placements_page:PlacementsPage",
             "Trainees in schools with mentors", prepare=True),
    PageSpec("agreements", "Support agreements", "ui.views.agreements_page:AgreementsPage",
             "School-to-school support", prepare=True),
    PageSpec("events", "Events", "ui.views.events_page:EventsPage",
             "Working groups, training sessions, webinars: who came and who led"),
    PageSpec("confirmation", "Yearly confirmation", "ui.views.confirmation_page:ConfirmationPage", "Leadership forms sent to every school each year"),
    PageSpec("retention", "Retention review", "ui.views.retention_page:RetentionPage",
             "Personal data past its retention period"),
    # Other pages are added here, one line each, e.g.
    PageSpec("returns", "Returns", "ui.views.returns_page:ReturnsPage", "Returns for LAs and funders",
             warm_up=False),
]

ACTIONS: list[ActionSpec] = [
    ActionSpec("Tools", "&Personal data of a person…", "ui.dialogs.person_data:open_personal_data"),
    ActionSpec("Tools", "Change a school's &headteacher, ITT champion…", "ui.dialogs.change_holder:change_holder_action"),
    ActionSpec("Tools", "Con&tact list…", "ui.dialogs.contact_list:open_contact_list",
               tip="Addresses of headteachers, ITT champions, mentors… for a mailing (CSV or Bcc)"),
    ActionSpec("Tools", "&Letters: placements, agreements…", "ui.dialogs.letters:open_letters",
               tip="Placement confirmations and agreement covering letters from your Word "
                   "templates"),
    ActionSpec("Tools", "Re&gister files: placements, QTS/EYTS, compare…",
               "ui.dialogs.register_files:open_register_files",
               tip="DfE Register trainee teachers' bulk placements and QTS/EYTS CSVs, and its "
                   "trainee export compared with ITT Desk"),
    ActionSpec("Tools", "&Ofsted notification pack…", "ui.dialogs.ofsted_pack:open_ofsted_pack",
               tip="Today's settings, trainees' placement checks, mentors and agreements in "
                   "force: one workbook and one PDF"),
    ActionSpec("Tools", "&Mentor funding: statements, DfE's sample…",
               "ui.dialogs.mentor_funding:open_mentor_funding",
               tip="What each school can claim for mentor training; answer DfE's sample"),
    ActionSpec("Tools", "Placement r&ules and term dates…",
               "ui.dialogs.placement_rules:open_placement_rules",
               tip="The days, schools and ITaP each route needs, per year, and the term dates "
                   "school days are counted within"),
    ActionSpec("Tools", "P&rovider settings: name, address, UKPRN, logo…",
               "ui.dialogs.provider_settings:open_provider_settings"),
    ActionSpec("Tools", "&Who is connected…", "ui.dialogs.who:open_who_dialog",
               tip="The users and computers with this database open"),
    ActionSpec("Help", "&User guide", "ui.dialogs.user_guide:open_user_guide", "F1",
               "Getting started, importing, the yearly round, agreements, returns, glossary"),
    # One line per extra menu entry, e.g.
    # ActionSpec("Tools", "Yearly leadership &confirmation…", "ui.dialogs.collect_forms:open_collect_forms"),
]
