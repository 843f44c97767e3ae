"""Letters by mail merge (issue 20 item 3), read back with a DOCX reader (python-docx) and the
PDFs with pypdf, as the provider and the recipients would see them."""

from __future__ import annotations

import io

import pytest
from docx import Document
from pypdf import PdfReader

from ittdesk import settings
from ittdesk.cli import main
from ittdesk.errors import RefusedError, ValidationError
from ittdesk.models import Cohort, Enrolment, Placement, SupportAgreement
from ittdesk.outreach import letters
from main import desktop


def text_of(path) -> str:
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_field_word_split_over_runs_is_filled_and_keeps_the_first_runs_formatting():
    document = Document()
    paragraph = document.add_paragraph()
    for text in ("Dear {rec", "ipient}, your placement at ", "{sch", "o", "ol}", " starts."):
        paragraph.add_run(text)
    paragraph.runs[0].bold = True
    document.add_paragraph("Unknown {stays} and {school} twice: {school}")
    merged = letters.merge(docx_bytes(document), {"recipient": "Ada Lovelace",
                                                  "school": "Larkspur Primary School"})
    first, second = merged.paragraphs
    assert first.text == "Dear Ada Lovelace, your placement at Larkspur Primary School starts."
    assert first.runs[0].text == "Dear Ada Lovelace" and first.runs[0].bold
    assert second.text == ("Unknown {stays} and Larkspur Primary School twice: "
                           "Larkspur Primary School")


def test_a_template_with_a_field_no_letter_knows_is_refused_when_set(db, tmp_path):
    document = Document()
    document.add_paragraph("Dear {recipient}, {trainee_shoe_size}")
    path = tmp_path / "mine.docx"
    document.save(str(path))
    with pytest.raises(ValidationError) as refused:
        settings.set("letter_placement_trainee", str(path))
    assert "{trainee_shoe_size}, which is not a field" in \
        refused.value.errors["letter_placement_trainee"]
    not_word = tmp_path / "letter.docx"
    not_word.write_text("just text")
    with pytest.raises(ValidationError) as refused:
        settings.set("letter_placement_trainee", str(not_word))
    assert "Word document" in refused.value.errors["letter_placement_trainee"]
    assert settings.get("letter_placement_trainee") == ""


def test_the_shipped_templates_use_only_known_fields():
    for key in letters.KINDS:
        path = letters.RESOURCES / f"{key}.docx"
        letters.check_template(path)
        assert "{recipient}" in text_of(path)


@pytest.mark.slow
def test_placement_letters_to_school_mentor_and_trainee_from_the_providers_own_template(
        qapp, demo_db, tmp_path, capsys):
    # ``qapp`` first: the PDF renderer reuses it (a QGuiApplication made by the renderer would
    # break the widget tests run after it in the same process)
    cohort = (Cohort.select().join(Enrolment).join(Placement)
              .where(Placement.mentor.is_null(False)).first())
    placement = (Placement.select().join(Enrolment)
                 .where((Enrolment.cohort == cohort) & Placement.mentor.is_null(False)
                        & Enrolment.withdrawal_date.is_null()).first())
    trainee = placement.enrolment.person.full_name
    settings.set("provider_name", "Northfield Teacher Training")
    settings.set("provider_signatory", "Dr Jo Bloggs, Director")
    own = tmp_path / "own trainee letter.docx"
    assert main(["letters", "template", "placement_trainee", str(own),
                 "--db", str(demo_db.path)]) == 0
    edited = Document(str(own))
    edited.add_paragraph("PS: bring your DBS certificate on {start_date}, {recipient}.")
    edited.save(str(own))
    assert main(["settings", "set", "letter_placement_trainee", str(own),
                 "--db", str(demo_db.path)]) == 0
    capsys.readouterr()

    out = tmp_path / "letters"
    code = main(["letters", "placements", "--cohort", str(cohort.id), str(out), "--pdf",
                 "--db", str(demo_db.path)], desktop=desktop())
    printed, err = capsys.readouterr()
    assert code == 0, err
    stem = (f"{trainee} - {placement.school.urn} {letters._safe(placement.school.name)} - "
            f"{placement.start_date.isoformat()}")
    school_letter = text_of(out / f"{stem} - school.docx")
    mentor_letter = text_of(out / f"{stem} - mentor.docx")
    trainee_letter = text_of(out / f"{stem} - trainee.docx")
    assert f"Dear {placement.mentor.full_name}," in mentor_letter
    assert f"Dear {trainee}," in trainee_letter
    assert placement.start_date.strftime("%d/%m/%Y") in trainee_letter
    assert f"PS: bring your DBS certificate on {placement.start_date:%d/%m/%Y}, {trainee}." \
        in trainee_letter
    assert "PS:" not in school_letter and placement.school.name in school_letter
    assert "Dr Jo Bloggs, Director" in school_letter and "{" not in school_letter
    pdf = PdfReader(out / f"{stem} - trainee.pdf")
    pdf_text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert "PS: bring your DBS" in pdf_text and trainee in pdf_text  # ("fi" is a ligature)
    docx_count = len(list(out.glob("*.docx")))
    assert f"Wrote {docx_count} letter(s) (Word)" in printed
    assert len(list(out.glob("*.pdf"))) == docx_count


def test_agreement_covering_letters_one_per_school_in_one_combined_pdf(qapp, demo_db, tmp_path,
                                                                       capsys):
    agreement = SupportAgreement.select().order_by(SupportAgreement.reference).first()
    out = tmp_path / "out"
    code = main(["letters", "agreement", agreement.reference, str(out), "--combined-pdf",
                 "--db", str(demo_db.path)], desktop=desktop())
    printed, err = capsys.readouterr()
    assert code == 0, err
    written = sorted(out.glob("*.docx"))
    assert written and len(written) == len(list(agreement.parties))
    assert all(agreement.reference in text_of(p) for p in written)
    (combined,) = out.glob("*.pdf")
    reader = PdfReader(combined)
    assert len(reader.pages) >= len(written)  # each letter starts a new page
    for page_text, path in zip((" ".join(p.extract_text().split()) for p in reader.pages),
                               written, strict=False):
        assert "Support agreement:" in page_text and path.exists()


def test_letters_for_a_missing_cohort_or_agreement_are_refused_in_plain_words(demo_db,
                                                                              tmp_path, capsys):
    code = main(["letters", "placements", "--cohort", "99999", str(tmp_path / "x"),
                 "--db", str(demo_db.path)])
    _out, err = capsys.readouterr()
    assert code == 1 and "No cohort with id 99999" in err and "Error" not in err
    code = main(["letters", "agreement", "NOPE-1", str(tmp_path / "x"), "--db",
                 str(demo_db.path)])
    _out, err = capsys.readouterr()
    assert code == 1 and "No support agreement with reference NOPE-1" in err
    assert not (tmp_path / "x").exists()
    with pytest.raises(RefusedError):
        letters.kind("invoice")
