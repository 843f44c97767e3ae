"""ITT Desk's Qt desktop app: presents records and delegates every change to ``ittdesk``."""
