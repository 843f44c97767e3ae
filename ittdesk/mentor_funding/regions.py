"""A school's region for the mentor training grant, as DfE draws it.

DfE assigns a school to Inner London, Outer London, the Fringe or the Rest of England by its
GIAS ``DistrictAdministrative (code)`` (a GSS code): DFE-Digital/itt-mentor-services,
``app/services/concerns/regional_areas.rb`` (the lists below are copied from it, snapshot
88e74ea3) and ``app/services/gias/csv_importer.rb`` (anything else is the Rest of England).
DfE's "Inner London" is its pay area, not the statutory one (Brent, Ealing, Newham ... are in).

A school's record may hold only GIAS's three-digit ``LA (code)``: the London boroughs and the
wholly-fringe authorities map one to one; Essex, Hertfordshire, Kent and West Sussex are only
partly in the Fringe, so there the district code (or a region set by hand) is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

INNER_LONDON_AREAS = frozenset({
    "E09000002", "E09000005", "E09000007", "E09000001", "E09000009", "E09000011", "E09000012",
    "E09000013", "E09000014", "E09000019", "E09000020", "E09000022", "E09000023", "E09000024",
    "E09000025", "E09000028", "E09000030", "E09000032", "E09000033",
})
OUTER_LONDON_AREAS = frozenset({
    "E09000003", "E09000004", "E09000006", "E09000008", "E09000010", "E09000015", "E09000016",
    "E09000017", "E09000018", "E09000021", "E09000026", "E09000027", "E09000029", "E09000031",
})
FRINGE_AREAS = frozenset({
    "E06000036", "E06000039", "E06000040", "E06000060", "E07000006", "E07000005", "E07000066",
    "E07000068", "E07000072", "E07000073", "E06000034", "E07000095", "E07000096", "E07000242",
    "E07000098", "E07000240", "E07000102", "E07000103", "E07000241", "E07000107", "E07000111",
    "E07000226", "E07000211", "E07000215", "E07000210", "E07000209", "E07000208", "E07000207",
    "E07000213", "E07000214", "E07000216", "E07000217", "E07000212",
})

#: GIAS ``LA (code)`` -> the borough's GSS code, for the 33 London authorities.
LONDON_LA_DISTRICTS = {
    "201": "E09000001", "202": "E09000007", "203": "E09000011", "204": "E09000012",
    "205": "E09000013", "206": "E09000019", "207": "E09000020", "208": "E09000022",
    "209": "E09000023", "210": "E09000028", "211": "E09000030", "212": "E09000032",
    "213": "E09000033", "301": "E09000002", "302": "E09000003", "303": "E09000004",
    "304": "E09000005", "305": "E09000006", "306": "E09000008", "307": "E09000009",
    "308": "E09000010", "309": "E09000014", "310": "E09000015", "311": "E09000016",
    "312": "E09000017", "313": "E09000018", "314": "E09000021", "315": "E09000024",
    "316": "E09000025", "317": "E09000026", "318": "E09000027", "319": "E09000029",
    "320": "E09000031",
}
#: Authorities every one of whose districts is in DfE's Fringe list (Surrey: all eleven).
WHOLLY_FRINGE_LAS = {"867": "Bracknell Forest", "868": "Windsor and Maidenhead",
                     "871": "Slough", "883": "Thurrock", "825": "Buckinghamshire",
                     "936": "Surrey"}
#: Authorities only some of whose districts are in the Fringe: the district decides.
PARTLY_FRINGE_LAS = {"881": "Essex", "919": "Hertfordshire", "886": "Kent",
                     "938": "West Sussex"}


@dataclass(frozen=True)
class Region:
    """A school's region (a FUNDING_REGIONS key) or None, and how it was worked out."""

    key: str | None
    how: str


def of_district(code: str) -> str:
    """DfE's region for a GSS district code (anything not listed is the Rest of England)."""
    code = code.strip().upper()
    if code in INNER_LONDON_AREAS:
        return "inner_london"
    if code in OUTER_LONDON_AREAS:
        return "outer_london"
    if code in FRINGE_AREAS:
        return "fringe"
    return "rest_of_england"


def region_of(stored: str | None, district_code: str | None, la_code: str | None) -> Region:
    """The school's region: set by hand first, then its district code, then its LA code."""
    if stored:
        return Region(stored, "set on the school")
    if district_code and district_code.strip():
        return Region(of_district(district_code), f"district {district_code.strip()}")
    la = (la_code or "").strip().upper()
    if not la:
        return Region(None, "no LA or district code: set the school's funding region")
    if la.startswith("E0"):  # a GSS code typed as the LA code
        return Region(of_district(la), f"LA code {la}")
    if la in LONDON_LA_DISTRICTS:
        return Region(of_district(LONDON_LA_DISTRICTS[la]), f"LA {la}")
    if la in WHOLLY_FRINGE_LAS:
        return Region("fringe", f"LA {la} ({WHOLLY_FRINGE_LAS[la]})")
    if la in PARTLY_FRINGE_LAS:
        return Region(None, f"LA {la} ({PARTLY_FRINGE_LAS[la]}) is only partly in the Fringe: "
                            "add the school's district code or set its funding region")
    return Region("rest_of_england", f"LA {la}")
