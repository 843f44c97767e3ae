from .importing import ImportKind


class EnrolmentImport(ImportKind):
    name = "enrolments"


class PlacementImport(ImportKind):
    name = "placements"
