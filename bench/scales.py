"""The two sizes the benchmarks run at (and the seed every generated file and database uses)."""

from __future__ import annotations

from dataclasses import dataclass

SEED = 2025
#: Bump when the generator changes, so cached files and databases are rebuilt.
GENERATOR_VERSION = 6


@dataclass(frozen=True)
class Scale:
    name: str
    schools: int
    people: int
    enrolments: int
    template_rows: int  # rows written into the LA template
    repeats: int  # timed runs of the quick figures (median taken); heavy figures run once

    @property
    def key(self) -> str:
        return f"{self.name}-s{SEED}-v{GENERATOR_VERSION}"


TYPICAL = Scale("typical", schools=500, people=2_000, enrolments=1_000, template_rows=500, repeats=1)
LARGE = Scale("large", schools=50_000, people=100_000, enrolments=100_000, template_rows=5_000,
              repeats=3)
SCALES = {s.name: s for s in (TYPICAL, LARGE)}
