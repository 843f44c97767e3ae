"""Summary panes as small HTML: facts, then sections of links that open related records.

Links are ``record:<entity>/<id>``; the list page hands them to ``main_window.open_record``.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ittdesk.queries.summaries import Link


def link_html(link: Link, extra: str = "") -> str:
    detail = f" <span style='color:palette(placeholder-text)'>· {escape(link.detail)}</span>" \
        if link.detail else ""
    return (f"<a href='record:{link.entity}/{link.id}'>{escape(link.text)}</a>{detail}"
            f"{escape(extra) if extra else ''}")


#: a placement check's status as a tint (light enough for dark text in either theme)
CHECK_TINTS = {"met": "#dff0d8", "on_track": "#e8f0fb", "at_risk": "#fcf3d9", "not_met": "#f8d7da"}


def enrolment_html(link: Link) -> str:
    """A programme the person is on and, for ITT, where their placements stand in words
    (issue 17: the trainee's own record shows their check, not only their enrolment's)."""
    c = link.extra.get("check")
    if c is None:
        return link_html(link)
    reasons = escape(c.reason_text) if c.reasons else "nothing missing"
    return (f"{link_html(link)}<br>&nbsp;&nbsp;&nbsp;Placement check: "
            f"<span style='background:{CHECK_TINTS[c.status]};color:#1a1a1a'>"
            f"&nbsp;{escape(c.status_words)}&nbsp;</span> {reasons}")


def facts_html(facts: list[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><td style='padding-right:10px;color:gray'>{escape(k)}</td>"
                   f"<td>{escape(v)}</td></tr>" for k, v in facts if v)
    return f"<table cellspacing='0' cellpadding='2'>{rows}</table>"


def section(title: str, items: list[str], empty: str = "none") -> str:
    body = ("<ul style='margin-left:-24px'>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
            if items else f"<p style='color:gray'>{escape(empty)}</p>")
    return f"<h4 style='margin-bottom:2px'>{escape(title)}</h4>{body}"


def page(title: str, *parts: str, subtitle: str = "") -> str:
    sub = f"<p style='color:gray;margin-top:0'>{escape(subtitle)}</p>" if subtitle else ""
    return f"<h3 style='margin-bottom:2px'>{escape(title)}</h3>{sub}" + "".join(parts)


def school_html(summary: dict[str, Any]) -> str:
    mentors = []
    for m in summary["mentors"]:
        warn = ""
        if m.extra["over"]:
            warn = " <b style='color:#c62828'>over capacity</b>"
        if not m.extra["training_ok"]:
            warn += f" <b style='color:#b26a00'>{escape(m.extra['training'])}</b>"
        taking = f" · trainees now: {escape(m.extra['taking'])}"
        mentors.append(link_html(m) + taking + warn)
    confirmed = "" if summary["confirmed_this_year"] else \
        "<p style='color:#b26a00'><b>Leadership not confirmed this academic year.</b></p>"
    return page(
        summary["title"],
        facts_html(summary["facts"]),
        confirmed,
        section("Leadership now", [link_html(x) for x in summary["leadership"]],
                "no current leadership recorded"),
        section("Starting later", [link_html(x) for x in summary["incoming"]])
        if summary.get("incoming") else "",
        section("ITT champion", [link_html(x) for x in summary["champion"]],
                "no ITT champion on the SLT"),
        section("Mentors", mentors, "no current mentors"),
        section("Placements this year", [link_html(x) for x in summary["placements_this_year"]],
                "no placements this year"),
        section("Open support agreements", [link_html(x) for x in summary["open_agreements"]],
                "none"),
    )


def person_html(summary: dict[str, Any]) -> str:
    roles = [link_html(r, f" ({r.extra['period']})" if r.extra["period"] else "")
             for r in summary["roles"]]
    parts = [facts_html(summary["facts"])]
    if summary["mentor_status"]:
        text, ok = summary["mentor_status"]
        colour = "inherit" if ok else "#b26a00"
        parts.append(f"<p style='color:{colour}'>Mentor: {escape(text)}</p>")
    parts += [
        section("Roles", roles, "no roles recorded"),
        section("Designations", [escape(f"{d.text}: {d.detail}") for d in summary["designations"]],
                "none"),
        section("Mentor training", [escape(f"{t.text}: {t.detail}") for t in summary["training"]],
                "none recorded"),
        section("Programmes", [enrolment_html(e) for e in summary["enrolments"]], "none"),
        section("Placements as a trainee", [link_html(p) for p in summary["placements"]], "none"),
    ]
    if summary["mentored"]:
        parts.append(section("Trainees mentored", [link_html(p) for p in summary["mentored"]]))
    if summary["agreements"]:
        parts.append(section("Support agreements", [link_html(a) for a in summary["agreements"]]))
    return page(summary["title"], *parts)


def generic_html(summary: dict[str, Any]) -> str:
    parts = [facts_html(summary["facts"])]
    if summary.get("links"):
        parts.append(section("Related", [link_html(x) for x in summary["links"]]))
    if summary.get("reports"):
        parts.append(section("Impact reports", [escape(f"{r.text} — {r.detail}")
                                                for r in summary["reports"]]))
    if summary.get("by_status"):
        parts.append(section("Enrolments", [escape(f"{label}: {n}")
                                            for label, n in summary["by_status"]]))
    return page(summary["title"], *parts)
