"""Synthetic schools shaped like the DfE GIAS establishment extract: all 139 columns, real names.

Deterministic for a seed. Values have the shapes the real extract has (see
``tests/data/gias_sample.csv``): numeric codes next to their names, ``dd-mm-yyyy`` dates in
the CSV (real date cells in the workbook, as Excel makes them when it opens the CSV), telephone
numbers that lost their leading 0, many empty columns, free-text head job titles, Welsh and
accented names, quoted values with commas ("Open, but proposed to close"). Every name is made
up; no real school or person is described.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

GIAS_COLUMNS = (
    'URN', 'LA (code)', 'LA (name)', 'EstablishmentNumber', 'EstablishmentName',
    'TypeOfEstablishment (code)', 'TypeOfEstablishment (name)', 'EstablishmentTypeGroup (code)',
    'EstablishmentTypeGroup (name)', 'EstablishmentStatus (code)', 'EstablishmentStatus (name)',
    'ReasonEstablishmentOpened (code)', 'ReasonEstablishmentOpened (name)', 'OpenDate',
    'ReasonEstablishmentClosed (code)', 'ReasonEstablishmentClosed (name)', 'CloseDate',
    'PhaseOfEducation (code)', 'PhaseOfEducation (name)', 'StatutoryLowAge', 'StatutoryHighAge',
    'Boarders (code)', 'Boarders (name)', 'NurseryProvision (name)', 'OfficialSixthForm (code)',
    'OfficialSixthForm (name)', 'Gender (code)', 'Gender (name)', 'ReligiousCharacter (code)',
    'ReligiousCharacter (name)', 'ReligiousEthos (name)', 'Diocese (code)', 'Diocese (name)',
    'AdmissionsPolicy (code)', 'AdmissionsPolicy (name)', 'SchoolCapacity',
    'SpecialClasses (code)', 'SpecialClasses (name)', 'CensusDate', 'NumberOfPupils',
    'NumberOfBoys', 'NumberOfGirls', 'PercentageFSM', 'TrustSchoolFlag (code)',
    'TrustSchoolFlag (name)', 'Trusts (code)', 'Trusts (name)', 'SchoolSponsorFlag (name)',
    'SchoolSponsors (name)', 'FederationFlag (name)', 'Federations (code)', 'Federations (name)',
    'UKPRN', 'FEHEIdentifier', 'FurtherEducationType (name)', 'OfstedLastInsp',
    'OfstedSpecialMeasures (code)', 'OfstedSpecialMeasures (name)', 'LastChangedDate', 'Street',
    'Locality', 'Address3', 'Town', 'County (name)', 'Postcode', 'SchoolWebsite', 'TelephoneNum',
    'HeadTitle (name)', 'HeadFirstName', 'HeadLastName', 'HeadPreferredJobTitle',
    'BSOInspectorateName (name)', 'InspectorateReport', 'DateOfLastInspectionVisit',
    'NextInspectionVisit', 'TeenMoth (name)', 'TeenMothPlaces', 'CCF (name)', 'SENPRU (name)',
    'EBD (name)', 'PlacesPRU', 'FTProv (name)', 'EdByOther (name)', 'Section41Approved (name)',
    'SEN1 (name)', 'SEN2 (name)', 'SEN3 (name)', 'SEN4 (name)', 'SEN5 (name)', 'SEN6 (name)',
    'SEN7 (name)', 'SEN8 (name)', 'SEN9 (name)', 'SEN10 (name)', 'SEN11 (name)', 'SEN12 (name)',
    'SEN13 (name)', 'TypeOfResourcedProvision (name)', 'ResourcedProvisionOnRoll',
    'ResourcedProvisionCapacity', 'SenUnitOnRoll', 'SenUnitCapacity', 'GOR (code)', 'GOR (name)',
    'DistrictAdministrative (code)', 'DistrictAdministrative (name)', 'AdministrativeWard (code)',
    'AdministrativeWard (name)', 'ParliamentaryConstituency (code)',
    'ParliamentaryConstituency (name)', 'UrbanRural (code)', 'UrbanRural (name)',
    'GSSLACode (name)', 'Easting', 'Northing', 'CensusAreaStatisticWard (name)', 'MSOA (name)',
    'LSOA (name)', 'InspectorateName (name)', 'SENStat', 'SENNoStat',
    'BoardingEstablishment (name)', 'PropsName', 'PreviousLA (code)', 'PreviousLA (name)',
    'PreviousEstablishmentNumber', 'OfstedRating (name)', 'RSCRegion (name)', 'Country (name)',
    'UPRN', 'SiteName', 'QABName (code)', 'QABName (name)', 'EstablishmentAccredited (code)',
    'EstablishmentAccredited (name)', 'QABReport', 'CHNumber', 'MSOA (code)', 'LSOA (code)',
)

assert len(GIAS_COLUMNS) == 139

PLACES = [
    "Ashby Moor", "Brackenfield", "Cold Harbour", "Dunsley", "Elmswick", "Fernbank", "Gorsedale",
    "Hollins", "Ingleby Cross", "Kettlewell", "Langbar", "Moorside", "Netherfold", "Oakworth",
    "Pennyfold", "Quarry Hill", "Ridgeway", "Saltmarsh", "Thornbury", "Underbank", "Westcliffe",
    "Yarrowby", "Ashgrove", "Birchcliffe", "Calverley", "Dalesend", "Eastholme", "Foxhill",
    "Greenacre", "Heathfield", "Juniper Rise", "Kingsmead", "Larkfield", "Millbrook", "Northgate",
    "Orchard Park", "Parkside", "Redbeck", "Stonegate", "Llanfair Môn", "Pen-y-bryn", "Côte Hill",
]
FIRST = ["Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Leo",
         "Freya", "Oscar", "Siân", "Zoë", "Aisha", "Mohammed", "Priya", "Chloé", "Niamh", "Dafydd",
         "Kofi", "Hannah", "Samuel", "Imogen", "Tomasz", "Yusuf", "Grace", "Thomas", "Evie", "Rhys"]
LAST = ["Ashworth", "Bramley", "Calder", "Denholme", "Fairweather", "Greaves", "Haworth", "Jagger",
        "Kershaw", "Midgley", "Naylor", "Oldroyd", "Pickles", "Rushworth", "Sutcliffe", "O'Brien",
        "Brontë", "Okafor", "Patel", "Khan", "Nowak", "Mensah", "Evans", "MacLeod", "Hussain",
        "Clarke", "Holroyd", "Thwaite", "Ap Rhys", "Jones"]
STREETS = ["School Lane", "Church Street", "Moor Road", "Mill Lane", "Station Road", "Park Avenue",
           "High Street", "Green Lane", "Victoria Road", "Chapel Street"]
TITLES = ["Mr", "Mrs", "Ms", "Miss", "Dr"]
HEAD_TITLES = ["Headteacher", "Head Teacher", "Head", "Executive Head", "Executive Headteacher",
               "Principal", "Acting Headteacher", "Head of School"]
# (code, name, phase code, phase name, low, high, suffixes)
KINDS = [
    (1, "Community school", 2, "Primary", 4, 11, ["Primary School", "Infant School", "Junior School"]),
    (3, "Voluntary aided school", 2, "Primary", 4, 11, ["Church of England Primary School",
                                                       "Catholic Primary School"]),
    (28, "Academy sponsor led", 4, "Secondary", 11, 18, ["Academy", "High School"]),
    (34, "Academy converter", 2, "Primary", 3, 11, ["Primary Academy", "Primary School"]),
    (34, "Academy converter", 4, "Secondary", 11, 16, ["Academy", "School", "Community College"]),
    (11, "Other independent school", 0, "Not applicable", 3, 18, ["School", "College"]),
    (7, "Community special school", 0, "Not applicable", 2, 19, ["Special School"]),
    (10, "Pupil referral unit", 0, "Not applicable", 11, 16, ["Pupil Referral Unit"]),
    (18, "Further education", 0, "Not applicable", 16, 99, ["College"]),
    (46, "Free schools", 6, "All-through", 4, 18, ["Free School", "Academy"]),
]
KIND_WEIGHTS = [38, 8, 8, 16, 10, 7, 3, 2, 3, 5]
STATUSES = [(1, "Open"), (2, "Closed"), (3, "Open, but proposed to close"), (4, "Proposed to open")]
STATUS_WEIGHTS = [84, 14, 1, 1]
N_LAS = 152
LAS = [(201 + i * 3, f"{PLACES[i % len(PLACES)]}{'' if i < len(PLACES) else f' {i // len(PLACES) + 1}'}"
        f"{' (Sir Fôn)' if i == 39 else ''}") for i in range(N_LAS)]
TRUSTS = [f"{PLACES[i % len(PLACES)]} {w} Trust" for i, w in
          enumerate(["Learning", "Academies", "Education", "Schools", "Multi-Academy"] * 60)]
SEN = ["ASD - Autistic Spectrum Disorder", "SEMH - Social, Emotional and Mental Health",
       "SLCN - Speech, language and Communication", "PD - Physical Disability"]
RATINGS = ["Good", "Outstanding", "Requires improvement", "Inadequate"]

# Columns that are the same words on most rows of the real extract.
CONSTANT = {
    "TrustSchoolFlag (code)": 0, "OfstedSpecialMeasures (code)": 0, "QABName (code)": 0,
    "OfstedSpecialMeasures (name)": "Not applicable", "QABName (name)": "Not applicable",
    "EstablishmentAccredited (code)": 0, "EstablishmentAccredited (name)": "Not applicable",
    "BSOInspectorateName (name)": "Not applicable", "SchoolSponsorFlag (name)": "Not applicable",
    "AdmissionsPolicy (code)": 0, "AdmissionsPolicy (name)": "Not applicable",
    "FurtherEducationType (name)": "Not applicable", "SpecialClasses (code)": 2,
    "SpecialClasses (name)": "No Special Classes", "TeenMoth (name)": "Not applicable",
    "CCF (name)": "Not applicable", "SENPRU (name)": "Not applicable", "EBD (name)": "Not applicable",
    "EdByOther (name)": "Not applicable", "Section41Approved (name)": "Not applicable",
    "ReasonEstablishmentClosed (code)": 0, "PreviousLA (code)": 999,
    "Country (name)": "United Kingdom", "ReligiousEthos (name)": "Does not apply",
}


def _ddmm(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _postcode(rng: random.Random) -> str:
    area = rng.choice(["LS", "BD", "HX", "HD", "WF", "YO", "HG", "CF", "LL", "M", "SK", "OL"])
    return f"{area}{rng.randint(1, 29)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" \
           f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"


def school_rows(n: int, seed: int = 2025, first_urn: int = 100000) -> Iterator[list[Any]]:
    """``n`` rows of 139 values (int, float, date, str or None) in GIAS column order."""
    rng = random.Random(seed)
    index = {name: i for i, name in enumerate(GIAS_COLUMNS)}
    width = len(GIAS_COLUMNS)
    base = [None] * width
    for name, value in CONSTANT.items():
        base[index[name]] = value
    census = date(2025, 1, 16)
    for i in range(n):
        row = list(base)
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        code, type_name, phase_code, phase_name, low, high, suffixes = kind
        la_code, la_name = LAS[i % N_LAS]
        place = PLACES[(i * 7 + i // N_LAS) % len(PLACES)]
        name = f"{place} {rng.choice(suffixes)}"
        if i >= len(PLACES) * 4:  # keep names varied, like the real extract's
            name = f"{rng.choice(['St Anne’s', 'Holy Trinity', 'Westfield', 'Oak', 'Riverside', 'Hill', ''])} {name}".strip()
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        opened = date(1950, 1, 1) + timedelta(days=rng.randint(0, 27000))
        academy = code in (28, 34, 46)
        trust = rng.choice(TRUSTS) if academy and rng.random() < 0.8 else None
        put = row.__setitem__
        put(0, first_urn + i)
        put(1, la_code)
        put(2, la_name)
        put(3, 1000 + i % 8999)
        put(4, name)
        put(5, code)
        put(6, type_name)
        put(7, 10 if academy else (4 if code in (1, 3, 7) else 3))
        put(8, "Academies" if academy else ("Local authority maintained schools" if code in (1, 3, 7)
                                           else "Independent schools"))
        put(9, status[0])
        put(10, status[1])
        put(11, 0 if rng.random() < 0.7 else 99)
        put(12, "Not applicable" if rng.random() < 0.7 else "Academy Converter")
        put(13, opened if rng.random() < 0.5 else None)
        put(15, "Not applicable")
        if status[0] == 2:
            put(16, opened + timedelta(days=rng.randint(400, 12000)))
            put(15, "Closure")
            put(14, 1)
        put(17, phase_code)
        put(18, phase_name)
        put(19, low)
        put(20, high)
        put(21, 1)
        put(22, "No boarders")
        put(23, rng.choice(["Has Nursery Classes", "No Nursery Classes", "Not applicable"]))
        put(24, 2 if phase_code != 4 else 1)
        put(25, "Does not have a sixth form" if phase_code != 4 else "Has a sixth form")
        put(26, 3)
        put(27, "Mixed")
        relig = rng.random()
        put(28, 0 if relig < 0.7 else 2)
        put(29, "Does not apply" if relig < 0.7 else "Church of England")
        put(31, 0 if relig < 0.7 else "CE23")
        put(32, "Not applicable" if relig < 0.7 else "Diocese of Northmoor")
        if status[0] != 2:
            pupils = rng.randint(40, 1800)
            boys = rng.randint(pupils // 3, 2 * pupils // 3)
            put(35, pupils + rng.randint(0, 120))
            put(38, census)
            put(39, pupils)
            put(40, boys)
            put(41, pupils - boys)
            put(42, round(rng.uniform(2, 45), 1))
            put(55, date(2015, 1, 1) + timedelta(days=rng.randint(0, 3600)))
            put(126, rng.choice(RATINGS))
        put(44, "Not applicable" if not trust else "Supported by a multi-academy trust")
        if trust:
            put(45, 15000 + TRUSTS.index(trust))
            put(46, trust)
        put(49, "Not under a federation")
        put(52, 10000000 + i * 3 if rng.random() < 0.65 else None)
        put(58, date(2024, 1, 1) + timedelta(days=rng.randint(0, 600)))
        put(59, f"{rng.randint(1, 240)} {rng.choice(STREETS)}")
        if rng.random() < 0.35:
            put(60, rng.choice(PLACES))
        put(62, place)
        put(64, _postcode(rng))
        if rng.random() < 0.6:
            put(65, f"http://www.{place.lower().replace(' ', '')}{i}.sch.uk/")
        if rng.random() < 0.8:
            put(66, 1000000000 + rng.randint(0, 999999999))
        if status[0] != 2 and rng.random() < 0.9:
            put(67, rng.choice(TITLES))
            put(68, rng.choice(FIRST))
            put(69, rng.choice(LAST))
            put(70, rng.choice(HEAD_TITLES))
        if code == 7 and rng.random() < 0.6:
            put(84, rng.choice(SEN))
        put(102, "E")
        put(103, "Yorkshire and the Humber")
        put(104, f"E0800{i % 900:04d}")
        put(105, la_name)
        put(106, f"E0501{i % 9000:04d}")
        put(107, f"{place} Ward")
        put(108, f"E1400{i % 650:04d}")
        put(109, f"{place} and District")
        put(110, rng.choice(["A1", "C1", "D1", "E1"]))
        put(111, rng.choice(["(England/Wales) Urban city and town",
                             "(England/Wales) Rural town and fringe",
                             "(England/Wales) Rural village"]))
        put(112, f"E0800{i % 900:04d}")
        put(113, rng.randint(380000, 470000))
        put(114, rng.randint(400000, 480000))
        put(116, f"{la_name} {i % 40:03d}")
        put(117, f"{la_name} {i % 40:03d}{rng.choice('ABCDE')}")
        put(127, "North of England")
        put(129, 100000000000 + i * 17)
        put(137, f"E0200{i % 7000:04d}")
        put(138, f"E0100{i % 33000:05d}")
        assert len(row) == width
        yield row


def csv_text(value: Any) -> str:
    """A value as the GIAS CSV writes it (dates dd-mm-yyyy, empty for none)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return _ddmm(value)
    return str(value)
