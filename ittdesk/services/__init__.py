"""Services: the one way the GUI, the CLI and the importer change records."""
