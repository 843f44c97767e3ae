"""Leadership changes and the yearly confirmation round.

Modules (import them directly; this package stays import-light so models can use the
vocabulary without a cycle):

- ``vocabulary``: hosting appetite, reasons for not hosting, form answers.
- ``history``: who held which post when; schools with no current head or ITT champion.
- ``appetite``: a school's hosting appetite per academic year (service).
- ``confirmation``: the one definition of which schools confirm for a year and which have
  (Home, the round, the CLI and the page all count with it).
- ``rounds``: start a round, its schools, status (written / sent / confirmed), marking forms
  sent, and the outstanding list (and its export).
- ``forms``: one pre-filled, protected, signed workbook per school; ``sending`` writes a
  round's forms all or nothing.
- ``returned``: read and verify a returned form (plain refusals, edited cells named).
- ``collect``: show the differences per school, apply accepted ones (a refused form's answers
  only when the user takes them).
"""
