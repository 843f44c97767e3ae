"""Writing a round's forms as one step: every form or none, the round recorded or not at all.

The forms (and their paper PDFs) are written first into a private staging folder
(``files.StagedFolder``: the data folder's ``tmp`` when it shares the destination's file
system). Only when every one is written does one transaction record the round (or the schools
added to it) and the forms as written (not sent: the user marks that, ``rounds.mark_sent``),
and move the files in. If recording fails, the files are
taken out again; if moving fails, the transaction is rolled back. A refusal, a cancel or Ctrl-C
at any point leaves the database and the destination folder as they were, so a corrected retry
is a first try (its ``--return-by`` is used).

With ``email_drafts`` an ``.eml`` draft per school (its form attached, ``outreach.drafts``)
is written beside each form in the same staged step, and the schools are marked sent and the
drafts logged in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..academic_year import AcademicYear
from ..documents import RenderPdf
from ..errors import RefusedError
from ..files import StagedFolder
from ..models import ConfirmationRound, School
from ..models.base import writing
from . import rounds
from .forms import build_workbook, file_name_for, form_content

if TYPE_CHECKING:
    from ..outreach.drafts import Message

Progress = Callable[[int, int, str], None]


@dataclass
class GenerateResult:
    written: list[Path]
    cancelled: bool = False
    paper: list[Path] = field(default_factory=list)
    round: ConfirmationRound | None = None
    started: bool = False  # this step started the round
    added: int = 0  # schools this step added to a round already started
    drafts: list[Path] = field(default_factory=list)  # .eml drafts (email_drafts)
    no_address: list[str] = field(default_factory=list)  # schools whose draft has no To


def generate_forms(round_: ConfirmationRound, outdir: Path, *,
                   school_ids: list[int] | None = None, paper: RenderPdf | None = None,
                   progress: Progress | None = None, email_drafts: bool = False,
                   cancelled: Callable[[], bool] | None = None) -> GenerateResult:
    """One form per school of a started round into ``outdir``; each is recorded as written.

    ``paper`` (``html_to_pdf``) also writes each form as a PDF. ``progress(done, total, name)``
    is called per file and ``cancelled()`` checked between them: a cancel writes nothing.
    """
    todo = rounds.entries(round_)
    if school_ids is not None:
        wanted = set(school_ids)
        todo = [e for e in todo if e.school_id in wanted]
    return _write(round_, [e.school for e in todo], outdir, lambda: None, paper=paper,
                  progress=progress, cancelled=cancelled, email_drafts=email_drafts)


def start_and_write(year: AcademicYear | str, outdir: Path, *,
                    statuses: tuple[str, ...] = rounds.DEFAULT_STATUSES, add: bool = False,
                    return_by: date | None = None, paper: RenderPdf | None = None,
                    progress: Progress | None = None, email_drafts: bool = False,
                    cancelled: Callable[[], bool] | None = None) -> GenerateResult:
    """``ittdesk leadership forms``: start the year's round if needed (or, with ``add``, add
    the schools of ``statuses`` not in it yet) and write every school's form, as one step."""
    round_ = rounds.find_round(year)
    if round_ is None:
        new = rounds.plan_round(year, statuses=statuses, return_by=return_by)
        schools = list(School.select().where(School.id.in_(new.school_ids)))
        result = _write(new.round, schools, outdir, lambda: rounds.record_round(new),
                        paper=paper, progress=progress, cancelled=cancelled,
                        email_drafts=email_drafts)
        result.started = not result.cancelled
        return result
    ids = rounds.schools_to_add(round_, statuses=statuses) if add else []
    schools = [e.school for e in rounds.entries(round_)]
    schools += list(School.select().where(School.id.in_(ids))) if ids else []

    def record() -> None:
        if ids:
            rounds.add_schools(round_, ids)

    result = _write(round_, schools, outdir, record, paper=paper, progress=progress,
                    cancelled=cancelled, email_drafts=email_drafts)
    result.added = 0 if result.cancelled else len(ids)
    return result


def _write(round_: ConfirmationRound, schools: list[School], outdir: Path,
           record: Callable[[], object], *, paper: RenderPdf | None,
           progress: Progress | None, cancelled: Callable[[], bool] | None,
           email_drafts: bool = False) -> GenerateResult:
    """Write privately, then record and move in as one step (see the module docstring)."""
    from ..outreach import drafts as mail
    from . import paper as paper_forms

    schools = sorted(schools, key=lambda s: (s.name_key, s.id))  # names as people sort them
    total = len(schools) * (1 + bool(paper) + email_drafts)
    made: list[mail.Message] = []
    stopped = GenerateResult([], cancelled=True, round=round_)
    done = 0

    def step(message: str) -> bool:
        nonlocal done
        if cancelled is not None and cancelled():
            return False
        if progress is not None:
            progress(done, total, message)
        done += 1
        return True

    with StagedFolder(Path(outdir)) as staging:
        try:
            for school in schools:
                if not step(school.name):
                    return stopped
                build_workbook(form_content(round_, school)).save(
                    staging.path(file_name_for(school)))
            for school in schools if paper is not None else ():
                if not step(f"Paper form: {school.name}"):
                    return stopped
                target = staging.path(file_name_for(school).replace(".xlsx", ".pdf"))
                assert paper is not None  # the loop runs only with a renderer
                paper_forms.write_paper_form(round_, school, target, paper)
            if email_drafts:
                drafted = _drafts(round_, schools, staging, step)
                if drafted is None:
                    return stopped
                made = drafted
        except InterruptedError:  # the PDF renderer saw the cancel
            return stopped
        except OSError as exc:
            raise RefusedError(f"Cannot write the forms: {exc.strerror or exc}; "
                               "nothing was changed") from exc
        if cancelled is not None and cancelled():
            return stopped
        try:
            with writing():
                record()
                wanted = {s.id for s in schools}
                saved = {}
                for entry in rounds.entries(round_):
                    if entry.school_id in wanted:
                        rounds.mark_written(entry)
                        saved[entry.school_id] = entry
                for message in made:
                    message.entry = saved[message.school.id]
                    mail.log(message, mail.DRAFT)
                staging.move_in()
        except BaseException as exc:
            staging.undo()
            if isinstance(exc, OSError):
                raise RefusedError(f"Cannot put the forms in {staging.dest}: "
                                   f"{exc.strerror or exc}; nothing was changed") from exc
            raise
    if progress is not None:
        progress(total, total, "")
    names = [file_name_for(s) for s in schools]  # in the schools' order, as before
    return GenerateResult([staging.dest / n for n in names], round=round_,
                          paper=[staging.dest / n.replace(".xlsx", ".pdf") for n in names
                                 if paper is not None],
                          drafts=[staging.dest / m.file_name for m in made],
                          no_address=[m.school.name for m in made if not m.recipients])


def _drafts(round_: ConfirmationRound, schools: list[School], staging: StagedFolder,
            step: Callable[[str], bool]) -> list[Message] | None:
    """A draft per school beside its staged form (the same bytes attached); None: cancelled.

    A round being started is not saved yet, so each school's entry is a stand-in until the
    transaction reads the saved ones back (``mail.log`` needs the saved entry)."""
    from ..models import RoundSchool
    from ..outreach import drafts as mail

    to = mail.recipients_for(s.id for s in schools)
    made: list[Message] = []
    for school in schools:
        if not step(f"E-mail draft: {school.name}"):
            return None
        attachment = staging.path(file_name_for(school)).read_bytes()
        message = mail.build(round_, RoundSchool(round=round_, school=school), school,
                             mail.FORM, to[school.id], attachment)
        staging.path(message.file_name).write_bytes(mail.as_draft(message))
        made.append(message)
    return made
