"""Need areas and levels: the Resettlement Passport's pathways plus SOS's three, so data lines up
with probation vocabulary."""

from enum import StrEnum

from throughgate.domain._strict import Entry, entry_list, read_catalogue


class NeedArea(StrEnum):
    ACCOMMODATION = "accommodation"
    ATTITUDES = "attitudes"
    FAMILY = "family"
    DRUGS_ALCOHOL = "drugs_alcohol"
    EDUCATION_WORK = "education_work"
    FINANCE_ID = "finance_id"
    HEALTH = "health"
    GANGS_PEERS = "gangs_peers"
    COMMUNITY_ROLE = "community_role"
    LICENCE = "licence"

    @property
    def position(self) -> int:
        """The order a person reads the areas in, everywhere: the assessment's (the Resettlement
        Passport's pathways first), not the alphabet of their keys."""
        return tuple(NeedArea).index(self)


class Level(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """Ordinal, so levels compare and distance travelled is a difference of ranks."""
        return _LEVEL_ORDER.index(self)


_LEVEL_ORDER = tuple(Level)


class AreaStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUPPORT_REQUIRED = "support_required"
    SUPPORT_NOT_REQUIRED = "support_not_required"
    SUPPORT_DECLINED = "support_declined"
    DONE = "done"

    @property
    def is_open(self) -> bool:
        """Still to be worked, so it holds the case open at handover: support is required, under
        way, or not yet started. Done, declined and not required are settled."""
        return self in {AreaStatus.NOT_STARTED, AreaStatus.IN_PROGRESS, AreaStatus.SUPPORT_REQUIRED}


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DECLINED = "declined"
    NOT_NEEDED = "not_needed"

    @property
    def is_closed(self) -> bool:
        """Closed tasks are never chased and do not hold a case open."""
        return self in {TaskStatus.DONE, TaskStatus.DECLINED, TaskStatus.NOT_NEEDED}


def needs_support(level: Level) -> bool:
    return level.rank >= Level.LOW.rank


def distance_travelled(entry: Level, exit: Level) -> int:
    """Positive when the need went down between the entry and the exit assessment."""
    return entry.rank - exit.rank


def parse_need_areas(raw: object, source: str) -> dict[NeedArea, str]:
    """The file must list every area once, in NeedArea order, so reports and forms agree."""
    order = tuple(NeedArea)
    items = entry_list(raw, source)
    if len(items) != len(order):
        raise ValueError(f"{source}: lists {len(items)} need areas, expected {len(order)}")
    names: dict[NeedArea, str] = {}
    for index, item in enumerate(items):
        entry = Entry(item, f"{source}: entry {index}", ("key", "name", "why"))
        area = entry.choice("key", NeedArea)
        if area is not order[index]:
            raise ValueError(f"{entry.where}: expected {order[index]} here, found {area}")
        entry.text("why")
        names[area] = entry.text("name")
    return names


NEED_AREA_NAMES: dict[NeedArea, str] = parse_need_areas(read_catalogue("need_areas.json"), "need_areas.json")
