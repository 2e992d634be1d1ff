"""Ratings and petitions for the reports, read through the feedback app's selectors when it is installed.

Without it (or before its first rating), the satisfaction share counts only imported ratings, and TT 01/2018
indicators 4, 7 and 8 and the Decision 766 petition metrics are missing data (left out of the scores).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

try:  # the feedback app sits below reports; it may be absent from a deployment
    from motcua.feedback import selectors as feedback
except ImportError:  # pragma: no cover - depends on the installed apps
    feedback = None

# Rating criteria of the feedback app that are TT 01/2018 indicators answered by citizens.
CRITERIA_BY_INDICATOR = {4: "agencies_contacted", 7: "staff_attitude"}
SATISFIED = (2, 3)  # hài lòng, rất hài lòng


@dataclass
class RatingFigures:
    forms: int = 0
    satisfied: int = 0
    criteria: dict[str, tuple[int, int]] = field(default_factory=dict)  # code → (points, forms)

    def add(self, other: RatingFigures) -> None:
        self.forms += other.forms
        self.satisfied += other.satisfied
        for code, (points, forms) in other.criteria.items():
            old_points, old_forms = self.criteria.get(code, (0, 0))
            self.criteria[code] = (old_points + points, old_forms + forms)


@dataclass
class PetitionFigures:
    received: int = 0
    answered: int = 0
    on_time: int = 0
    protracted: int = 0  # unanswered past the due date at the end of the period
    rated: int = 0
    rated_satisfied: int = 0

    def add(self, other: PetitionFigures) -> None:
        for name in ("received", "answered", "on_time", "protracted", "rated", "rated_satisfied"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def available() -> bool:
    return feedback is not None and all(
        hasattr(feedback, name)
        for name in ("satisfaction_by_agency", "satisfaction_summary", "petition_summary")
    )


def ratings_by_agency(*, first: date, last: date, agency_ids: set[int]) -> dict[int, RatingFigures]:
    """Ratings given between ``first`` and ``last`` (inclusive) for dossiers of each competent agency."""
    if not available():
        return {}
    if hasattr(feedback, "satisfaction_summaries_by_agency"):  # every agency in three queries
        return {
            agency_id: RatingFigures(
                forms=summary.forms,
                satisfied=sum(summary.by_level.get(level, 0) for level in SATISFIED),
                criteria={score.criterion.code: (score.points, score.forms) for score in summary.criteria},
            )
            for agency_id, summary in feedback.satisfaction_summaries_by_agency(start=first, end=last).items()
            if agency_id in agency_ids
        }
    figures: dict[int, RatingFigures] = {}
    for row in feedback.satisfaction_by_agency(start=first, end=last):
        if row.agency_id not in agency_ids:
            continue
        summary = feedback.satisfaction_summary(start=first, end=last, agency=row.agency_id)
        figures[row.agency_id] = RatingFigures(
            forms=summary.forms,
            satisfied=sum(summary.by_level.get(level, 0) for level in SATISFIED),
            criteria={score.criterion.code: (score.points, score.forms) for score in summary.criteria},
        )
    return figures


def petitions_by_agency(*, first: date, last: date, agency_ids: set[int]) -> dict[int, PetitionFigures]:
    """Petitions received between ``first`` and ``last`` by each agency; "protracted" at the period's end."""
    if not available():
        return {}
    end_of_period = datetime.combine(last, time.max, tzinfo=ZoneInfo(settings.TIME_ZONE))
    now = min(timezone.now(), end_of_period)
    if hasattr(feedback, "petition_summaries_by_agency"):  # every agency in one query
        return {
            agency_id: _petition_figures(summary)
            for agency_id, summary in feedback.petition_summaries_by_agency(
                start=first, end=last, now=now
            ).items()
            if agency_id in agency_ids and summary.received
        }
    if not feedback.petition_summary(start=first, end=last, now=now).received:
        return {}
    figures = {}
    for agency_id in sorted(agency_ids):
        summary = feedback.petition_summary(start=first, end=last, agency=agency_id, now=now)
        if summary.received:
            figures[agency_id] = PetitionFigures(
                received=summary.received,
                answered=summary.answered,
                on_time=summary.answered_on_time,
                protracted=summary.overdue,
                rated=summary.handling_ratings,
                rated_satisfied=round(
                    (summary.handling_satisfied_percent or 0) * summary.handling_ratings / 100
                ),
            )
    return figures


def _petition_figures(summary) -> PetitionFigures:
    return PetitionFigures(
        received=summary.received,
        answered=summary.answered,
        on_time=summary.answered_on_time,
        protracted=summary.overdue,
        rated=summary.handling_ratings,
        rated_satisfied=summary.handling_satisfied,
    )
