from .importing import ImportKind


class PeopleImport(ImportKind):
    name = "people"
