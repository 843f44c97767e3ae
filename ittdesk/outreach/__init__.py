"""Reaching schools, mentors and trainees: e-mail drafts, sending, letters (issue 20).

- ``drafts``: the yearly form and its reminder as messages (``.eml`` drafts that a mail
  program opens as unsent), who each goes to, and the log of what was made for whom.
- ``sending``: the same messages through the provider's own SMTP server, each recorded as
  sent the moment the server accepts it, so a retry never sends twice.
- ``letters``: placement and agreement letters merged into Word templates the provider edits.
"""
