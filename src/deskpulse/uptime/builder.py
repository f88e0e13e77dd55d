"""What the YAML and CSV parsers share: problems with line numbers, the builder, and value coercion.

Parsers record problems and carry on, so one import reports every problem in the file.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from deskpulse.uptime.graph import Device, GraphProblem, GraphVersion, MaintenanceWindow, ParentGroup, Role, Service
from deskpulse.uptime.validation import validate_version


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One problem in an imported file; ``line`` is 1-based (None for the file as a whole)."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message


class GraphImportError(ValueError):
    """A graph file that cannot be imported; ``problems`` lists every problem found, in line order."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: (p.line is not None, p.line or 0)))
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"the graph has {count} problem{'s' if count != 1 else ''}:\n{lines}")


@dataclass
class GraphBuilder:
    """Entries collected by a parser, each with the line it came from; ``build`` validates and maps lines."""

    default_tz: ZoneInfo | None = None
    effective_from: date | None = None
    problems: list[ImportProblem] = field(default_factory=list)
    roles: dict[str, Role] = field(default_factory=dict)
    device_lines: dict[str, int] = field(default_factory=dict)
    groups: dict[str, list[tuple[ParentGroup, int]]] = field(default_factory=dict)
    services: list[tuple[Service, int]] = field(default_factory=list)
    service_lines: dict[str, int] = field(default_factory=dict)
    maintenance: list[tuple[MaintenanceWindow, int]] = field(default_factory=list)

    def problem(self, line: int | None, message: str) -> None:
        """Record a problem and carry on, so that one import reports them all."""
        self.problems.append(ImportProblem(line, message))

    def device(self, hostname: str, line: int, role: Role | None = None) -> None:
        """Declare a device (again); a second, different role is a problem."""
        self.device_lines.setdefault(hostname, line)
        self.groups.setdefault(hostname, [])
        if role is not None:
            known = self.roles.setdefault(hostname, role)
            if known is not role:
                self.problem(line, f"device {hostname} has role {role} here but {known} before")

    def group(self, hostname: str, group: ParentGroup, line: int) -> None:
        """Add one parent group to a device."""
        self.device(hostname, line)
        self.groups[hostname].append((group, line))

    def service(self, service: Service, line: int) -> None:
        """Add a service; a repeated id is reported here, with both lines."""
        earlier = self.service_lines.get(service.id)
        if earlier is not None:
            self.problem(line, f"service id {service.id} is already used on line {earlier}")
        else:
            self.service_lines[service.id] = line
            self.services.append((service, line))

    def build(
        self, *, inventory: Collection[str] | None = None, schedules: Collection[str] | None = None
    ) -> GraphVersion:
        """The validated version, or GraphImportError with every parse and graph problem."""
        devices = {
            h: Device(h, tuple(g for g, _ in self.groups.get(h, [])), self.roles.get(h)) for h in self.device_lines
        }
        version = GraphVersion(
            self.effective_from,
            devices,
            tuple(s for s, _ in self.services),
            tuple(w for w, _ in self.maintenance),
        )
        for problem in validate_version(version, inventory=inventory, schedules=schedules):
            self.problem(self._line_of(problem), problem.message)
        if self.problems:
            raise GraphImportError(self.problems)
        return version

    def _line_of(self, problem: GraphProblem) -> int | None:
        if problem.kind == "device" and isinstance(problem.key, str):
            groups = self.groups.get(problem.key, [])
            if problem.group is not None and problem.group < len(groups):
                return groups[problem.group][1]
            return self.device_lines.get(problem.key)
        if problem.kind == "service" and isinstance(problem.key, str):
            return self.service_lines.get(problem.key)
        if problem.kind == "maintenance" and isinstance(problem.key, int) and problem.key < len(self.maintenance):
            return self.maintenance[problem.key][1]
        return None


def as_datetime(value: object, builder: GraphBuilder, line: int, what: str) -> datetime | None:
    """An aware datetime from a YAML timestamp or an ISO 8601 string (offset-less ones in ``default_tz``)."""
    parsed: datetime | None = None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        builder.problem(line, f"{what} {value!r} is not a date and time like 2026-10-12T02:00:00+02:00")
        return None
    if parsed.tzinfo is None:
        if builder.default_tz is None:
            builder.problem(line, f"{what} {parsed.isoformat()} needs a UTC offset, like 2026-10-12T02:00:00+02:00")
            return None
        parsed = parsed.replace(tzinfo=builder.default_tz)
    return parsed


def as_date(value: object, builder: GraphBuilder, line: int, what: str) -> date | None:
    """A date from a YAML date or an ``YYYY-MM-DD`` string."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    builder.problem(line, f"{what} {value!r} is not a date like 2026-01-01")
    return None


def as_need(value: object, builder: GraphBuilder, line: int) -> int | None:
    """The ``need`` of a parent group: a whole number, 1 when left empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 1
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    builder.problem(line, f"need {value!r} is not a whole number")
    return None


def as_slo(value: object, builder: GraphBuilder, line: int) -> float | None:
    """An SLO in percent: ``99.9``, ``"99.9%"`` or, from a European spreadsheet, ``"99,9"``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value.strip():
        try:
            return float(value.strip().rstrip("%").strip().replace(",", "."))
        except ValueError:
            pass
    builder.problem(line, f"slo {value!r} is not a percentage like 99.9")
    return None


def as_role(value: object, builder: GraphBuilder, line: int) -> Role | None:
    """A device role (cpe, access, distribution, core, carrier); empty means none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return Role(str(value).strip().lower())
    except ValueError:
        builder.problem(line, f"role {value!r} is not one of {', '.join(r.value for r in Role)}")
        return None
