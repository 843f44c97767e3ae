"""Placements that prove a trainee is ready for QTS (issue 17): days in school counted against
term dates and bank holidays (days.py), the rules per route and year (rules.py), and the check
of every trainee against them (check.py). Core: no Qt, no per-trainee query."""
