"""The provider can be named (issue 15): its name, address, UKPRN, signatory and logo are set in
the app or with ``ittdesk settings``, checked, kept in the database, and printed on every
agreement, confirmation form, subject access export and return."""

from __future__ import annotations

import io

import agreement_factory as make
import openpyxl
import pytest
from PIL import Image

from ittdesk import settings
from ittdesk.academic_year import AcademicYear
from ittdesk.cli import main
from ittdesk.documents.agreement import build
from ittdesk.errors import ValidationError
from ittdesk.leadership import rounds
from ittdesk.leadership.forms import form_content
from ittdesk.leadership.paper import paper_form_html
from ittdesk.models import AuditEntry, School
from ittdesk.privacy import sar
from ittdesk.returns import make_filters, make_return
from ittdesk.services.people import people
from ittdesk.services.schools import schools

NAME = "Moorside Teaching School Hub SCITT"


def image(path, kind: str = "PNG", size: tuple[int, int] = (240, 80)):
    Image.new("RGB", size, (31, 58, 95)).save(path, kind)
    return path


def name_the_provider(tmp_path) -> None:
    settings.set("provider_name", NAME)
    settings.set("provider_address", "1 School Lane\nMoorside\nZZ1 1AA")
    settings.set("provider_ukprn", "10012345")
    settings.set("provider_signatory", "Dr Alex Example, Director")
    settings.set("provider_logo", str(image(tmp_path / "logo.png")))


# -- checks ----------------------------------------------------------------------------------------

def test_a_ukprn_is_eight_digits(db):
    for bad in ("1234", "100123456", "1001234X"):
        with pytest.raises(ValidationError, match="8 digits"):
            settings.set("provider_ukprn", bad)
    assert settings.get("provider_ukprn") == ""
    settings.set("provider_ukprn", " 1001 2345 ")
    assert settings.get("provider_ukprn") == "10012345"


@pytest.mark.parametrize("kind,suffix", [("PNG", "png"), ("JPEG", "jpg")])
def test_a_png_or_jpeg_logo_is_stored_in_the_database_with_its_size_checked(db, tmp_path, kind,
                                                                           suffix):
    path = image(tmp_path / f"logo.{suffix}", kind, (300, 120))
    settings.set("provider_logo", str(path))
    stored = settings.get("provider_logo")
    assert stored.startswith(f"data:image/{'png' if kind == 'PNG' else 'jpeg'};base64,")
    assert settings.logo_bytes(stored) == path.read_bytes()
    assert settings.image_kind_and_size(path.read_bytes())[1:] == (300, 120)
    # the audit trail names the image, it does not hold a copy of it
    entry = AuditEntry.select().where(AuditEntry.entity == "setting").order_by(AuditEntry.id.desc()).get()
    assert "base64" not in entry.changes and "300 x 120" in entry.changes


def test_a_file_that_is_not_a_sane_png_or_jpeg_is_refused_as_a_logo(db, tmp_path):
    text = tmp_path / "logo.png"
    text.write_text("not an image")
    gif = tmp_path / "logo.gif"
    Image.new("RGB", (20, 20)).save(gif, "GIF")
    huge = image(tmp_path / "huge.png", "PNG", (5000, 10))
    heavy = tmp_path / "heavy.png"
    buffer = io.BytesIO()
    Image.frombytes("RGB", (900, 900), bytes(range(256)) * (900 * 900 * 3 // 256) + b"\0" * (
        900 * 900 * 3 % 256)).save(buffer, "PNG", compress_level=0)
    heavy.write_bytes(buffer.getvalue())
    for path, message in ((text, "PNG or JPEG"), (gif, "PNG or JPEG"), (huge, "5000 x 10"),
                          (heavy, "too large"), (tmp_path / "none.png", "no file")):
        with pytest.raises(ValidationError, match=message):
            settings.set("provider_logo", str(path))
    assert settings.get("provider_logo") == "" and not settings.is_set("provider_logo")


# -- printed documents -------------------------------------------------------------------------------

def test_the_agreement_names_the_provider_with_address_ukprn_signatory_and_logo(db, tmp_path):
    unnamed = build(make.agreement().agreement.id)
    assert settings.UNNAMED_PROVIDER in unnamed.html
    name_the_provider(tmp_path)
    (tmp_path / "logo.png").unlink()  # the logo is in the database: the file is not needed
    document = build(make.agreement(title="Maths mastery").agreement.id)
    assert NAME in document.html and settings.UNNAMED_PROVIDER not in document.html
    assert "1 School Lane<br>Moorside<br>ZZ1 1AA<br>UKPRN 10012345" in document.html
    assert '<img src="data:image/png;base64,' in document.html
    assert "Dr Alex Example</td><td>Director</td>" in document.html
    assert document.page_options()["header_left"] == NAME


def test_confirmation_forms_name_the_provider_with_its_letterhead(db, tmp_path):
    name_the_provider(tmp_path)
    school = schools.create({"urn": 100001, "name": "Ashby Moor Primary School", "phase": "primary",
                             "partnership_status": "partner"})
    round_ = rounds.start_round(str(AcademicYear.current()))
    content = form_content(round_, School.get_by_id(school.id))
    assert content.provider == NAME
    html = paper_form_html(round_, School.get_by_id(school.id))
    assert f"<h1>{NAME}: yearly leadership confirmation" in html
    assert "ZZ1 1AA" in html and "data:image/png;base64," in html


def test_the_subject_access_cover_names_who_holds_the_data(db, tmp_path):
    name_the_provider(tmp_path)
    person = people.create({"first_name": "Jane", "last_name": "Example"})
    data = sar.collect(person.id)
    rows = dict(sar.cover_rows(data))
    assert rows["Held by"] == f"{NAME}, 1 School Lane, Moorside, ZZ1 1AA"
    assert "Held by" in sar.to_html(data) and NAME in sar.to_html(data)


def test_every_built_in_return_names_the_provider_and_ukprn(db, tmp_path):
    from ittdesk.returns import all_returns

    name_the_provider(tmp_path)
    for spec in all_returns():
        target = tmp_path / f"{spec.key}.xlsx"
        make_return(spec.key, target, make_filters(str(AcademicYear.current())))
        wb = openpyxl.load_workbook(target, read_only=True)
        summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if len(r) > 1}
        assert summary["Provider"] == NAME and summary["UKPRN"] == "10012345", spec.key
        assert next(wb[spec.title].iter_rows(values_only=True))[0].endswith(f": {NAME}")
        wb.close()


# -- the command line --------------------------------------------------------------------------------

def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_settings_set_and_list_from_the_command_line(capsys, tmp_path):
    target = str(tmp_path / "x.sqlite3")
    logo = image(tmp_path / "logo.png")
    assert run(["settings", "set", "provider_name", NAME, "--db", target], capsys)[0] == 0
    assert run(["settings", "set", "provider_ukprn", "10012345", "--db", target], capsys)[0] == 0
    code, out, _ = run(["settings", "set", "provider_logo", str(logo), "--db", target], capsys)
    assert code == 0 and "PNG image 240 x 80" in out
    code, out, err = run(["settings", "list", "--db", target], capsys)
    assert code == 0 and err == ""
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert NAME in lines["provider_name"] and "10012345" in lines["provider_ukprn"]
    assert "PNG image 240 x 80" in lines["provider_logo"] and "(not set)" in lines["provider_signatory"]


def test_a_bad_setting_is_refused_with_one_line_and_nothing_changed(capsys, tmp_path):
    target = str(tmp_path / "x.sqlite3")
    code, _, err = run(["settings", "set", "provider_ukprn", "12 34", "--db", target], capsys)
    assert code == 1 and err.count("\n") == 1 and "8 digits" in err and "nothing was changed" in err
    code, _, err = run(["settings", "set", "provider_logo", str(tmp_path), "--db", target], capsys)
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    code, _, err = run(["settings", "set", "provider_colour", "red", "--db", target], capsys)
    assert code == 2 and "invalid choice" in err
    code, _, err = run(["settings", "set", "retention_trainee_years", "0", "--db", target], capsys)
    assert code == 2  # the retention schedule has its own command and checks
    code, out, _ = run(["settings", "list", "--db", target], capsys)
    assert "10012345" not in out
