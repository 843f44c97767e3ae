"""Leadership changes and the yearly confirmation round.

Modules (import them directly; this package stays import-light so models can use the
vocabulary without a cycle):

- ``vocabulary``: hosting appetite, reasons for not hosting, form answers.
- ``history``: who held which post when; schools with no current head or ITT champion.
- ``appetite``: a school's hosting appetite per academic year (service).
- ``rounds``: start a round, its schools, status and the outstanding list (and its export).
- ``forms``: one pre-filled, protected, signed workbook per school.
- ``collect``: read returned forms, show the differences per school, apply accepted ones.
"""
