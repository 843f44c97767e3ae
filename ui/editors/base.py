"""The shape every editor shares: a form built from the service's fields, Save / Cancel.

Fields come from the service (``service.fields``: label, kind, required), so an editor never
restates a rule: it collects what was typed, hands it to ``service.create/update`` and shows
each ``ValidationError`` message under its field. Widgets are chosen from each field's declared
kind (``ui.editors.form``: a vocabulary -> a drop-down, a date -> ``DateEdit``, a reference ->
the record picker, long text -> a text box); an editor may override any of them.

Closing with unsaved changes asks first; Ctrl+S saves; Esc cancels (asking when needed). Related
information sits in further tabs, rebuilt whenever records change.

This module holds the window: the form, loading and collecting values, related tabs, closing
and the window's size. Saving (the write on a worker and the service's answer shown in the
form) is ``editor_saving.EditorSaving``, a mixin of ``EntityEditor``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStyle,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ittdesk.services.base import EntityService

from .. import settings as ui_settings
from .. import sizing
from ..operations import changes_of
from . import form as field_form
from .changed_bar import ChangedBar, EditorHost
from .editor_saving import FIELDS_MARKED, EditorSaving
from .field_undo import FieldUndo

if TYPE_CHECKING:
    from ..widgets.history_tab import HistoryTab

W = TypeVar("W", bound=QWidget)


class EntityEditor(EditorSaving, QDialog):
    """A dialog editing one record of ``service``; ``record_id`` None creates one."""

    service: EntityService
    title_new = "New record"
    field_names: tuple[str, ...] = ()  # default: every field of the service, in its order
    overrides: dict[str, str] = {}  # field -> "line" / "text" / "date" / "choice" / "ref" / "check"

    def __init__(self, main_window, record_id: int | None = None, parent: QWidget | None = None,
                 **defaults: Any):
        super().__init__(parent or main_window)
        self.main_window = main_window
        self.record_id = record_id
        self.instance = self.service.get(record_id) if record_id is not None else None
        #: the record's version as this editor saw it: a save applies only over that version
        #: (merging others' changes to other fields) or over the one the user settled a
        #: conflict with (``_settle_conflict``)
        self.version_seen: int | None = getattr(self.instance, "version", None)
        self.setObjectName(type(self).__name__)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.saved = False
        self._saving = False  # a save is under way (on a worker, see save())
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setProperty("role", "fieldError")
        self.banner.setWordWrap(True)
        self.banner.hide()
        details = QWidget()
        outer = QVBoxLayout(details)
        self.form = QFormLayout()
        outer.addLayout(self.form)
        outer.addStretch(1)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.build_form()
        self.tabs.addTab(sizing.scrolled(details, "detailsScroll"), "&Details")  # buttons stay below
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        #: "Changed by X at HH:MM — Reload / Keep editing" (another user saved this record)
        self.changed_bar = ChangedBar(self, EditorHost(self), main_window)
        layout.addWidget(self.changed_bar)
        #: beside the banner when the server could not be reached: saves again (what was typed
        #: is still in the form)
        self.retry_button = QPushButton("&Retry")
        self.retry_button.setObjectName("retrySave")
        self.retry_button.clicked.connect(self.save)
        self.retry_button.hide()
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(banner_row)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self).activated.connect(self.save)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self).activated.connect(
            self.print_record)
        self.load(defaults)
        self.add_related_tabs()
        self._add_history_tab()
        self.refresh_related()
        self._snapshot = self.collect()
        self.field_undo = FieldUndo(self)
        self.field_undo.reset()
        self.update_title()
        notifier = changes_of(main_window)
        if notifier is not None:
            notifier.changes_announced.connect(self._changes_announced)
        self._restore_geometry()
        sizing.fit_on_show(self)
        self.focus_first_field()

    # -- building ------------------------------------------------------------------------------
    def names(self) -> tuple[str, ...]:
        return self.field_names or tuple(f.name for f in self.service.fields)

    def make_widget(self, name: str) -> QWidget:
        """A widget for the field, chosen from its declared kind (subclasses may override per
        field, or name another widget in ``overrides``)."""
        return field_form.make_widget(self.service.field(name), self.overrides.get(name),
                                      line_height=self.fontMetrics().height())

    def build_form(self) -> None:
        for name in self.names():
            spec = self.service.field(name)
            widget = self.make_widget(name)
            error = field_form.add_row(self.form, spec, widget, mnemonic=len(self.widgets) < 9)
            self.widgets[name] = widget
            self.errors[name] = error
            self._watch(widget, name)

    def _watch(self, widget: QWidget, name: str | None = None) -> None:
        def edited(*_args: Any) -> None:
            if name is not None:
                self.field_edited(name)
            self.on_change()

        for signal in ("changed", "textChanged", "toggled"):
            sig = getattr(widget, signal, None)
            if sig is not None and hasattr(sig, "connect"):
                sig.connect(edited)
                return
        if isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(edited)

    def field_edited(self, name: str) -> None:
        """A field changed: one undo step (``field_undo``), and its message goes as soon as
        what it holds is acceptable (the rest of the form is checked again on Save)."""
        undo = getattr(self, "field_undo", None)
        if undo is not None:
            undo.edited(name)
        label = self.errors.get(name)
        if label is None or not label.text():
            return
        spec = self.service.field(name)
        try:
            value = spec.parse(self.get_widget_value(name))
        except ValueError:
            return
        if spec.required and value is None:
            return
        label.setText("")
        label.hide()
        if self.banner.text() == FIELDS_MARKED and not any(e.text() for e in self.errors.values()):
            self.banner.hide()

    def focus_first_field(self) -> None:
        """Typing straight after Ctrl+N goes into the first field, not nowhere."""
        for name in self.names():
            widget = self.widgets[name]
            if widget.isEnabled() and (widget.focusPolicy() != Qt.FocusPolicy.NoFocus
                                       or widget.focusProxy() is not None):
                self.tabs.setCurrentIndex(0)
                widget.setFocus()
                return

    def on_change(self) -> None:
        """Called on every edit (subclasses show warnings as they type)."""

    def add_related_tabs(self) -> None:
        """Subclasses add tabs of related records (shown once the record exists)."""

    def refresh_related(self) -> None:
        """Subclasses rebuild their related tabs."""

    def related_browser(self, title: str,
                        buttons: Sequence[tuple[str, Callable[[], None]]] = ()) -> QTextBrowser:
        """A tab of related records as linked text, with buttons above it for adding more."""
        key = title.replace("&", "").lower().replace(" ", "_")
        browser = QTextBrowser()
        browser.setObjectName(f"related_{key}")
        browser.setOpenLinks(False)
        browser.anchorClicked.connect(lambda url: self.link_clicked(url.toString()))
        page = QWidget()
        page.setObjectName(f"tab_{key}")
        box = QVBoxLayout(page)
        if buttons:
            row = QHBoxLayout()
            for text, slot in buttons:
                button = QPushButton(text)
                button.setObjectName(f"button_{text.replace('&', '').replace('…', '').strip().lower().replace(' ', '_')}")
                button.clicked.connect(slot)
                row.addWidget(button)
            row.addStretch(1)
            box.addLayout(row)
        box.addWidget(browser, 1)
        index = self.tabs.addTab(page, title)
        self.tabs.setTabEnabled(index, self.instance is not None)
        if self.instance is None:
            self.tabs.setTabToolTip(index, "Save the record first")
        return browser

    def _add_history_tab(self) -> None:
        """The record's audit trail; built the first time the tab is opened (it costs a query)."""
        self.history: HistoryTab | None = None
        self._history_page = QWidget()
        self._history_page.setObjectName("tab_history")
        self._history_box = QVBoxLayout(self._history_page)
        self._history_box.setContentsMargins(0, 0, 0, 0)
        index = self.tabs.addTab(self._history_page, "Histor&y")
        self.tabs.setTabEnabled(index, self.instance is not None)
        self.tabs.currentChanged.connect(self._maybe_show_history)

    def _maybe_show_history(self, index: int) -> None:
        if self.tabs.widget(index) is not self._history_page or self.history is not None:
            return
        from ..widgets.history_tab import HistoryTab

        self.history = HistoryTab(self.service.entity, self.record_id)
        self._history_box.addWidget(self.history)

    def enable_related_tabs(self) -> None:
        for index in range(1, self.tabs.count()):
            self.tabs.setTabEnabled(index, self.instance is not None)
            self.tabs.setTabToolTip(index, "")

    def link_clicked(self, href: str) -> None:
        if href.startswith("record:"):
            entity, _, record_id = href[len("record:"):].partition("/")
            self.main_window.open_record(entity, int(record_id), parent=self)

    def printable_html(self) -> str | None:
        """What Ctrl+P prints from this editor (None: nothing to print)."""
        return None

    def print_record(self) -> None:
        html = self.printable_html() if self.instance is not None else None
        if not html:
            return
        from ..print_dialogs import print_preview  # QtPrintSupport when first printing

        title = self.windowTitle()
        print_preview(self, html, footer_left=title, title=title)

    def widget_as(self, name: str, kind: type[W]) -> W:
        """The field's widget as the class the caller relies on (a picker's ``reload``, say):
        the kind decides the widget, so a mismatch is a programming error, said plainly."""
        widget = self.widgets[name]
        if not isinstance(widget, kind):
            raise TypeError(f"{name} is edited by a {type(widget).__name__}, "
                            f"not a {kind.__name__}")
        return widget

    def saved_record(self) -> Any:
        """The record edited here, for what is offered only once it is saved (the related
        tabs' buttons, Export): asked for before then is a programming error."""
        if self.instance is None:
            raise RuntimeError(f"{type(self).__name__}: the record is not saved yet")
        return self.instance

    # -- values --------------------------------------------------------------------------------
    def get_widget_value(self, name: str) -> Any:
        return field_form.widget_value(self.widgets[name])

    def set_widget_value(self, name: str, value: Any) -> None:
        field_form.set_widget_value(self.widgets[name], self.service.field(name), value)

    def load(self, defaults: dict[str, Any]) -> None:
        for name in self.names():
            if self.instance is not None:
                reference = self.service.field(name).reference  # edited by id: school -> school_id
                value = getattr(self.instance, f"{name}_id" if reference is not None else name)
            else:  # a new record shows what create would give it: the declared default
                value = defaults.get(name, self.service.field(name).default)
            if value is not None:
                self.set_widget_value(name, value)

    def collect(self) -> dict[str, Any]:
        return {name: self.get_widget_value(name) for name in self.names()}

    def is_dirty(self) -> bool:
        return self.collect() != self._snapshot

    # -- closing -------------------------------------------------------------------------------
    def confirm_discard(self) -> bool:
        if not self.is_dirty():
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", "Save the changes you made?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save_without_closing()
        return answer == QMessageBox.StandardButton.Discard

    def save_without_closing(self) -> bool:
        previous = self.after_save
        self.after_save = lambda: None  # type: ignore[method-assign]
        try:
            return self.save()
        finally:
            self.after_save = previous  # type: ignore[method-assign]

    def reject(self) -> None:
        """Esc, Cancel and the window's close button (QDialog's closeEvent calls this): ask
        only when there are unsaved changes; never call close() here (Qt ignores it mid-close).
        Ignored while a save is under way: what was typed must stay until it is saved."""
        if self._saving:
            return
        if self.confirm_discard():
            self._snapshot = self.collect()
            super().reject()

    def done(self, result: int) -> None:
        ui_settings.set(f"dialog_geometry/{type(self).__name__}", self.saveGeometry())
        super().done(result)

    def _restore_geometry(self) -> None:
        geometry = ui_settings.get(f"dialog_geometry/{type(self).__name__}")
        self._widen_to_form = geometry.isEmpty() or not self.restoreGeometry(geometry)
        if self._widen_to_form:
            self.resize(self.opening_size())

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Shown the first time at no saved size: as wide as the form is now (a chooser filled
        after the first sizing, such as the placement's mentors with their training, widens
        it), within the screen."""
        if getattr(self, "_widen_to_form", False):
            self._widen_to_form = False
            wanted = self.opening_size()
            if wanted.width() > self.width():
                sizing.fit(self, QSize(wanted.width(), self.height()))
        super().showEvent(event)

    def opening_size(self):
        """``default_size`` widened to the Details form's own width: the fields the services
        declare grow the form (issue 17 gave the enrolment and the placement a dozen more), and
        a fixed default fell behind, so they opened scrolled sideways with Choose…/× out of
        sight. ``sizing.fit`` still keeps it within the screen."""
        size = self.default_size()
        area = self.findChild(QScrollArea, "detailsScroll")
        if area is None or area.widget() is None:
            return size
        # What lies around the form: the window's margins, the tab pane's frame and the
        # vertical scroll bar (not the other tabs' widths: those pages are not the form's).
        margins = self.layout().contentsMargins()
        frame = self.style().pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, None, self.tabs)
        needed = (area.widget().minimumSizeHint().width() + margins.left() + margins.right()
                  + 2 * frame + area.verticalScrollBar().sizeHint().width())
        return size.expandedTo(QSize(needed, size.height()))

    def default_size(self):
        from PySide6.QtCore import QSize

        return QSize(640, 560)

    def _changes_announced(self, _kinds: frozenset[str]) -> None:
        """Records changed (here or elsewhere): the related tabs read again."""
        if self.instance is not None:
            try:
                self.refresh_related()
            except Exception:  # the record may just have been deleted elsewhere
                pass

    def update_title(self) -> None:
        if self.instance is None:
            self.setWindowTitle(self.title_new)
        else:
            self.setWindowTitle(self.service.describe(self.instance))


def open_editor(editor_class: type[EntityEditor], parent, record_id: int | None,
                **defaults: Any) -> EntityEditor:
    """Create and show an editor, window-modal to ``parent`` (the main window or an editor)."""
    from ..main_window import MainWindow

    widget = parent
    while widget is not None and not isinstance(widget, MainWindow):
        widget = getattr(widget, "main_window", None) or widget.parentWidget()
    main_window = widget if widget is not None else parent
    editor = editor_class(main_window, record_id, parent=parent, **defaults)
    editor.open()
    editor.activateWindow()
    return editor
