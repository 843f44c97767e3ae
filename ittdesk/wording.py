"""Counts in words, the way a person writes them: "1 cohort", "2 cohorts", "1,204 schools";
and a noun with its article: "a school", "an agreement"."""

from __future__ import annotations

# Nouns whose plural is not singular + "s".
_PLURALS = {"person": "people", "enrolment": "enrolments", "entry": "entries",
            "activity": "activities", "thing": "things", "person's": "people's"}
_SINGULARS = {plural: singular for singular, plural in _PLURALS.items()}


def singular(noun: str) -> str:
    """The singular of a plural noun this app counts ("schools" -> "school")."""
    if noun in _SINGULARS:
        return _SINGULARS[noun]
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith(("sses", "xes", "ches", "shes")):
        return noun[:-2]
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def plural(noun: str) -> str:
    if noun in _PLURALS:
        return _PLURALS[noun]
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s")


def count(n: int, noun: str) -> str:
    """``n`` and the noun (given singular or plural) agreeing with it, thousands separated."""
    one = singular(noun) if noun in _SINGULARS or noun.endswith("s") else noun
    return f"{n:,} {one if n == 1 else plural(one)}"


def a(noun: str) -> str:
    """The noun with its indefinite article, by its first letter: "a school", "an agreement",
    "an event" (the nouns this app names; none is said with another sound, as "an hour")."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"
