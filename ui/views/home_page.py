"""Home: what needs attention this week, each item opening its record; a welcome on first run."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ittdesk.attention import Group, home_data

from ..operations import EVERYTHING, write, write_and_wait
from ..tasks import TaskHandle, run_task
from ..widgets.bar_chart import BarChart
from .base import Page

SHOWN_ITEMS = 5
LOADING = "Looking at what needs attention…"  # also ui.views.PAGES' first-frame stand-in
CHARTS_WIDTH = 340
CARD_MIN_WIDTH = 300  # narrower, a card's title and names wrap word by word
CHARTS_BESIDE_MIN_WIDTH = CHARTS_WIDTH + 12 + CARD_MIN_WIDTH + 24  # else the charts go below


class GroupCard(QFrame):
    """One group: title with its count, what to do, the first items and 'show all'."""

    def __init__(self, group: Group, main_window, parent: QWidget | None = None):
        super().__init__(parent)
        self.group = group
        self.main_window = main_window
        self.expanded = False
        self.setObjectName(f"card_{group.key}")
        self.setProperty("role", "card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        header = QHBoxLayout()
        title = QLabel(escape(group.title))
        title.setProperty("role", "sectionTitle")
        title.setWordWrap(True)
        self.count = QLabel(f"<b style='font-size:15pt'>{group.count:,}</b>")
        self.count.setObjectName("count")
        self.count.setAccessibleName(f"{group.count} {group.title}")
        header.addWidget(title, 1)
        header.addWidget(self.count, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(header)
        self.body = QLabel()
        self.body.setObjectName("items")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                          | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.body.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.body.linkActivated.connect(self._link)
        layout.addWidget(self.body)
        layout.addStretch(1)
        self._render()

    def _render(self) -> None:
        group = self.group
        if not group.count:
            self.body.setText("<p style='color:gray'>Nothing here — all in order.</p>")
            return
        shown = group.items if self.expanded else group.items[:SHOWN_ITEMS]
        rows = []
        for item in shown:
            colour = "#c62828" if item.urgent else "gray"
            rows.append(f"<a href='record:{item.entity}/{item.id}'>{escape(item.text)}</a>"
                        f"<br><span style='color:{colour}'>{escape(item.detail)}</span>")
        html = "<p style='color:gray;margin:0 0 4px 0'>" + escape(group.hint) + "</p>"
        if group.action:
            html += f"<p style='margin:3px 0'><a href='action:'>{escape(group.action[0])}</a></p>"
        html += "".join(f"<p style='margin:3px 0'>{r}</p>" for r in rows)
        hidden = group.count - len(shown)
        if hidden > 0 and not self.expanded and len(group.items) > len(shown):
            html += f"<p><a href='more:'>Show {min(len(group.items), group.count) - len(shown)} more…</a></p>"
        elif group.count > len(group.items):
            html += (f"<p style='color:gray'>…and {group.count - len(group.items):,} more "
                     "(use the lists' filters to see them all).</p>")
        self.body.setText(html)

    def _link(self, href: str) -> None:
        if href == "more:":
            self.expanded = True
            self._render()
            return
        if href.startswith("record:"):
            entity, _, record_id = href[len("record:"):].partition("/")
            from ..editors import EDITORS

            if entity not in EDITORS and self.group.action:  # e.g. DfE's sample: its dialog
                from ..main_window import load_target

                load_target(self.group.action[1])(self.main_window)
                return
            self.main_window.open_record(entity, int(record_id))
        elif href == "action:" and self.group.action:
            from ..main_window import load_target

            load_target(self.group.action[1])(self.main_window)


class Welcome(QWidget):
    """First run on an empty database: what to do next, not an empty grid."""

    def __init__(self, main_window, parent: QWidget | None = None):
        super().__init__(parent)
        self.main_window = main_window
        self._saving = False  # the provider's name is being written (on a worker)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 30, 40, 30)
        title = QLabel("Welcome to ITT Desk")
        title.setProperty("role", "pageTitle")
        intro = QLabel("This database is empty. Start in one of these ways — you can do the "
                       "others later from the File menu.")
        intro.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self._provider_row())
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(10)
        self.buttons: dict[str, QPushButton] = {}
        choices = [
            ("import", "&Import schools…",
             "From your own spreadsheet or the GIAS establishment extract (CSV).",
             main_window.import_records),
            ("demo", "Load &demo data",
             "A fictional partnership to explore: schools, mentors, trainees, agreements.",
             self.load_demo),
            ("school", "Add a &school by hand",
             "Type in your first partner school.",
             lambda: main_window.open_record("school", None)),
            ("open", "&Open a database…",
             "An ITT Desk file you or a colleague already use.", main_window.open_database),
            ("postgres", "&Connect to a shared database…",
             "A PostgreSQL server, so several people work on the same records.",
             main_window.connect_postgres),
        ]
        for row, (key, text, hint, slot) in enumerate(choices):
            button = QPushButton(text)
            button.setObjectName(f"welcome_{key}")
            button.setMinimumWidth(240)
            button.clicked.connect(slot)
            note = QLabel(hint)
            note.setWordWrap(True)
            note.setProperty("role", "muted")
            grid.addWidget(button, row, 0)
            grid.addWidget(note, row, 1)
            self.buttons[key] = button
        self.buttons["import"].setEnabled(main_window.import_act.isEnabled())
        if not main_window.import_act.isEnabled():
            self.buttons["import"].setToolTip("The import wizard is not installed in this version")
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        layout.addStretch(1)

    def _provider_row(self) -> QWidget:
        """First run asks who the provider is: every agreement, form and return carries it."""
        box = QFrame()
        box.setProperty("role", "card")
        row = QHBoxLayout(box)
        label = QLabel("Your provider's &name:")
        self.provider_name = QLineEdit()
        self.provider_name.setObjectName("welcome_provider_name")
        self.provider_name.setPlaceholderText("e.g. Moorside Teaching School Hub SCITT")
        label.setBuddy(self.provider_name)
        save = QPushButton("Save name")
        save.setObjectName("welcome_provider_save")
        more = QPushButton("Address, UKPRN, &logo…")
        more.setObjectName("welcome_provider_more")
        self.provider_note = QLabel()
        self.provider_note.setObjectName("welcome_provider_note")
        self.provider_note.setWordWrap(True)
        save.clicked.connect(self.save_provider_name)
        self.provider_name.returnPressed.connect(self.save_provider_name)
        more.clicked.connect(self.open_provider_settings)
        row.addWidget(label)
        row.addWidget(self.provider_name, 1)
        row.addWidget(save)
        row.addWidget(more)
        outer = QWidget()
        column = QVBoxLayout(outer)
        column.setContentsMargins(0, 8, 0, 8)
        column.addWidget(box)
        column.addWidget(self.provider_note)
        return outer

    def refresh_provider(self) -> None:
        from ittdesk import settings

        name = settings.provider().name
        self.provider_name.setText(name)
        self.provider_note.setProperty("role", "muted" if name else "")
        self.provider_note.setText(
            f"Agreements, forms and returns will come from {name}." if name else
            "Agreements, forms and returns carry your provider's name: type it here first.")

    def save_provider_name(self) -> None:
        from ittdesk import settings
        from ittdesk.errors import IttDeskError, ValidationError, plain_message

        text = self.provider_name.text().strip()
        if not text:
            self.provider_note.setText("Type the provider's name, then Save name.")
            return
        if self._saving:  # Return or Save name again while it is written: that one counts
            return
        self._saving = True
        try:
            _done, exc = write_and_wait(self, settings.set, "provider_name", text,
                                        changes={"provider"})
        finally:
            self._saving = False
        if exc is not None:
            self.provider_note.setText("; ".join(exc.errors.values())
                                       if isinstance(exc, ValidationError) else str(exc)
                                       if isinstance(exc, IttDeskError) else plain_message(exc))
            return
        self.refresh_provider()

    def open_provider_settings(self) -> None:
        from ..dialogs.provider_settings import open_provider_settings

        open_provider_settings(self.main_window)
        self.refresh_provider()

    def load_demo(self) -> None:
        from ittdesk.demo import build_demo

        self.buttons["demo"].setEnabled(False)
        write(self, build_demo, changes={EVERYTHING}, on_error=self._demo_failed,
              progress_title="Building the demo partnership…")

    def _demo_failed(self, exc: BaseException) -> None:
        from ..tasks import show_error

        self.buttons["demo"].setEnabled(True)
        show_error(self, exc)


class HomePage(Page):
    title = "Home"
    #: every kind its groups, charts and welcome count (``ittdesk.attention``)
    shows = frozenset({"school", "person", "role", "designation", "mentor_training", "programme",
                       "cohort", "enrolment", "placement", "agreement", "round_school",
                       "funding_sample"})

    def __init__(self, main_window, parent: QWidget | None = None):
        super().__init__(main_window, parent)
        self.data: dict | None = None
        self._handle: TaskHandle | None = None
        self.stack = QStackedWidget()
        self.loading = QLabel(LOADING)
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.loading.setProperty("role", "muted")
        self.welcome = Welcome(main_window)
        self.dashboard = QWidget()
        self.dashboard.setObjectName("dashboard")
        dash = QVBoxLayout(self.dashboard)
        dash.setContentsMargins(12, 8, 12, 8)
        self.heading = QLabel("What needs attention")
        self.heading.setProperty("role", "pageTitle")
        self.subtitle = QLabel()
        self.subtitle.setProperty("role", "muted")
        dash.addWidget(self.heading)
        dash.addWidget(self.subtitle)
        self.cards_host = QWidget()
        self.cards = QGridLayout(self.cards_host)
        self.cards.setContentsMargins(0, 0, 0, 0)
        self.cards.setSpacing(12)
        charts = QVBoxLayout()
        charts.setContentsMargins(0, 0, 0, 0)
        charts.setSpacing(12)
        self.per_month = BarChart("Placements starting each month this year")
        self.by_subject = BarChart("Trainees this year by subject", horizontal=True)
        for chart in (self.per_month, self.by_subject):
            frame = QFrame()
            frame.setProperty("role", "card")
            box = QVBoxLayout(frame)
            box.setContentsMargins(12, 10, 12, 10)
            box.addWidget(chart)
            charts.addWidget(frame)
        charts.addStretch(1)
        charts_host = QWidget()
        charts_host.setObjectName("charts")
        charts_host.setLayout(charts)
        charts_host.setFixedWidth(CHARTS_WIDTH)
        scroll_body = QWidget()
        body = QVBoxLayout(scroll_body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.cards_host)
        body.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(scroll_body)
        row = QHBoxLayout()
        row.setSpacing(12)
        row.addWidget(scroll, 1)
        row.addWidget(charts_host)
        dash.addLayout(row, 1)
        # A narrow window (half a laptop screen) would squeeze two columns of cards beside the
        # charts into a sliver: the cards go to one column and the charts under them instead.
        self.row, self.body, self.charts_host = row, body, charts_host
        self.columns, self.charts_beside = 2, True
        for widget in (self.loading, self.welcome, self.dashboard):
            self.stack.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.card_widgets: dict[str, GroupCard] = {}

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_width(self.width())

    def _fit_width(self, width: int) -> None:
        """Charts beside the cards and two columns of cards when there is room for them."""
        beside = width >= CHARTS_BESIDE_MIN_WIDTH
        if beside != self.charts_beside:
            self.charts_beside = beside
            if beside:
                self.body.removeWidget(self.charts_host)
                self.row.addWidget(self.charts_host)
                self.charts_host.setFixedWidth(CHARTS_WIDTH)
            else:
                self.row.removeWidget(self.charts_host)
                self.body.insertWidget(1, self.charts_host)  # after the cards, before the stretch
                self.charts_host.setMinimumWidth(0)
                self.charts_host.setMaximumWidth(16777215)
        room = width - 24 - (CHARTS_WIDTH + 12 if beside else 0)
        columns = 2 if room >= 2 * CARD_MIN_WIDTH + 12 else 1
        if columns != self.columns:
            self.columns = columns
            self._place_cards()

    def _place_cards(self) -> None:
        for card in self.card_widgets.values():
            self.cards.removeWidget(card)
        for n, card in enumerate(self.card_widgets.values()):
            self.cards.addWidget(card, n // self.columns, n % self.columns)

    def shown(self) -> None:
        """Built once; but the first-run welcome is looked at again each time Home is shown
        (a cheap question on an empty database): records may have come meanwhile from
        elsewhere (an ittdesk command, a colleague), and the welcome must not outlive them."""
        if self._handle is None and (self.data is None or self.data.get("empty")):
            if self.data is not None:  # the counts under the window said "0 schools" too
                update_counts = getattr(self.main_window, "update_counts", None)
                if update_counts is not None:
                    update_counts()
            self.refresh()

    def is_loading(self) -> bool:
        """Reading the cards (the start-up's warm-up waits for them: ``ui.startup``)."""
        return self._handle is not None

    def refresh(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle = run_task(self, home_data, on_done=self._show, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._handle = None
        from ittdesk.errors import plain_message

        self.loading.setText(f"Could not look at what needs attention: {plain_message(exc)}")
        self.stack.setCurrentWidget(self.loading)

    def _show(self, data: dict) -> None:
        self._handle = None
        self.data = data
        if data["empty"]:
            self.welcome.refresh_provider()
            self.stack.setCurrentWidget(self.welcome)
            return
        while self.cards.count():
            item = self.cards.takeAt(0)
            card = item.widget() if item is not None else None
            if card is not None:
                card.deleteLater()
        self.card_widgets = {}
        total = sum(g.count for g in data["groups"])
        from ittdesk.wording import count

        self.subtitle.setText(f"{data['today']:%A %d %B %Y} · {count(total, 'things')} to look at"
                              if total else f"{data['today']:%A %d %B %Y} · nothing needs attention")
        groups = sorted(data["groups"], key=lambda g: g.count == 0)  # empty groups last
        for group in groups:
            if group.only_when_due and not group.count:
                continue
            self.card_widgets[group.key] = GroupCard(group, self.main_window)
        self._place_cards()
        self.per_month.set_values(data["per_month"])
        self.by_subject.set_values(data["by_subject"])
        self.stack.setCurrentWidget(self.dashboard)
