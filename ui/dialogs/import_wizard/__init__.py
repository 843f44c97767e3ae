"""File > Import…: the import wizard (file -> columns -> preview -> import), and file drops.

The widgets present and delegate: reading, header finding, mapping, planning and applying are
``ittdesk.spreadsheets.importing`` (the same calls the CLI makes), run off the GUI thread with
``ui.tasks.run_task``. A ``QWizard`` (``wizard.py``) with one ``QWizardPage`` per step:

1. ``file_page``: the file, what kind of records, which sheet (and, for enrolments, a cohort).
2. ``mapping_page``: each column of the file with sample values and what it imports as
   (editable; the confirmed mapping is saved and reused for files with the same headings).
3. ``preview_page``: rows to add, rows to update with old -> new, rows refused with row, column
   and reason. Nothing has been written yet (the commit page: its button is Import).
4. ``apply_page``: one transaction with progress (rows done, rows/s) and Cancel; cancelling or
   any error leaves the database exactly as it was.

``open_import_wizard(main_window, path=None)`` opens it (one at a time); ``install_file_drop(
main_window)`` lets a spreadsheet dropped on the main window open it on that file.
"""

from .file_drop import install_file_drop
from .models import MappingModel
from .wizard import ImportWizard, open_import_wizard

__all__ = ["ImportWizard", "MappingModel", "install_file_drop", "open_import_wizard"]
