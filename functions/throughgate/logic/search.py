"""Find a case: the case list of coordinators and managers, and a mentor's own caseload, searched by
part of a name, a prison number or a case reference, filtered, sorted by release date and paged.

The DynamoDB requests for a page do not grow with the cases held: a text is one Query of its
search term's partition (two when it reads two ways, domain.search) and one BatchGetItem per
hundred candidates; without a text, one index Query per stage listed (or of the mentor's caseload,
or per month of the release window), and one of the sparse index for "needs attention". Never a
Scan. Without a text or a stage, the list is the cases being worked (ACTIVE_STAGES), so closed
cases are not mixed in and the cost does not grow with the programme's history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from throughgate.domain.case import Case
from throughgate.domain.case_steps import Act, Role
from throughgate.domain.catalogue import load_programme
from throughgate.domain.errors import InvalidInput
from throughgate.domain.lifecycle import ACTIVE_STAGES
from throughgate.domain.search import read_search_text
from throughgate.logic.access import require
from throughgate.logic.ports import Actor, Deps

if TYPE_CHECKING:
    from throughgate.schemas import CaseSearchIn

PAGE_SIZE = 20
ENTER_TEXT = "Enter a name, prison number or case reference"


@dataclass(frozen=True)
class CaseSearchResult:
    cases: list[Case]  # this page, by release date
    page: int
    next_page: int | None
    mentor_names: dict[str, str] = field(default_factory=dict)  # mentor id -> display name


def find_cases(
    deps: Deps, actor: Actor, query: CaseSearchIn, with_mentor_names: bool = False
) -> CaseSearchResult:
    """A page of the cases this actor may see that match the query (a mentor: their own only)."""
    require(actor, Act.FIND_CASES)
    own = actor.user_id if actor.role is Role.MENTOR else None
    if own is not None and query.mentor_id not in (None, own):
        return CaseSearchResult([], query.page, None)  # never another mentor's caseload
    mentor_id = own or query.mentor_id
    text = None
    if query.text:
        text = read_search_text(query.text)
        if text is None:
            raise InvalidInput(ENTER_TEXT, field="text")

    escalated: set[str] = set()
    if query.needs_attention:
        escalated = {e.case_id for e in deps.store.open_escalations()}

    candidates: list[Case]
    if text is not None:
        limit = load_programme().search_match_limit
        ids = deps.store.case_ids_filed_under(text.lookups, limit)
        if len(ids) > limit:
            raise InvalidInput(
                f"More than {limit} cases match: enter more of the name, or the prison number", field="text"
            )
        candidates = deps.store.cases(ids)
    elif mentor_id is not None:
        candidates = deps.store.caseload(mentor_id)
    elif query.stage is not None:
        candidates = deps.store.cases_in_stage(query.stage)
    elif query.released_from is not None and query.released_to is not None:
        candidates = deps.store.releases_between(query.released_from, query.released_to)
    else:
        candidates = [c for stage in sorted(ACTIVE_STAGES) for c in deps.store.cases_in_stage(stage)]
        if escalated:  # an escalation may be open on a case no longer being worked
            candidates += deps.store.cases(escalated - {c.case_id for c in candidates})

    def wanted(case: Case) -> bool:
        client = case.client
        return (
            (
                text is None
                or text.matches(case.case_id, client.given_name, client.family_name, client.prison_number)
            )
            and (mentor_id is None or case.mentor_id == mentor_id)
            and (
                case.stage is query.stage
                if query.stage is not None
                else text is not None or case.stage in ACTIVE_STAGES or case.case_id in escalated
            )
            and (query.released_from is None or case.release_on >= query.released_from)
            and (query.released_to is None or case.release_on <= query.released_to)
            and (not query.needs_attention or bool(case.workflow_error) or case.case_id in escalated)
        )

    found = sorted(
        {c.case_id: c for c in candidates if wanted(c)}.values(), key=lambda c: (c.release_on, c.case_id)
    )
    start = (query.page - 1) * PAGE_SIZE
    page = found[start : start + PAGE_SIZE]
    next_page = query.page + 1 if len(found) > start + PAGE_SIZE else None
    names = {m.mentor_id: m.display_name for m in deps.store.mentors()} if with_mentor_names else {}
    return CaseSearchResult(page, query.page, next_page, names)
