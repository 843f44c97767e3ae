"""ITT Desk core: models, database, services, spreadsheets and documents.

Nothing in this package imports Qt's widget or GUI modules, so the CLI and every core
test run without a display.
"""

__version__ = "0.1.0"
APP_NAME = "ITT Desk"
APP_SLUG = "ittdesk"
