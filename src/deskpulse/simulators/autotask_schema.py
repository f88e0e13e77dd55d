"""Entities the Autotask simulator serves: field names, data types, date rendering and field metadata.

Field lists are those of shared/vendor-api/autotask.md ("Ticket fields", "Related entities"). Records are stored
with Python values (datetimes as integer Unix seconds) and rendered here, so every entity answers in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

INTEGER, LONG, STRING, DATETIME, BOOLEAN, DOUBLE = "integer", "long", "string", "datetime", "boolean", "double"
UDF = "udf"  # userDefinedFields: [{name, value}] [C]

# How a datetime field is rendered. The REST API returns UTC [D], but both `...000Z` and zone-less values are
# observed [C]; which fields use which form is not documented, so the simulator mixes them [I].
ZULU_MS, NAIVE_MS, NAIVE = "zulu_ms", "naive_ms", "naive"

_TICKET_DATES = (
    "createDate", "dueDateTime", "completedDate", "lastActivityDate", "lastTrackedModificationDateTime",
    "lastCustomerVisibleActivityDateTime", "lastCustomerNotificationDateTime", "firstResponseDateTime",
    "firstResponseDueDateTime", "resolutionPlanDateTime", "resolutionPlanDueDateTime", "resolvedDateTime",
    "resolvedDueDateTime",
)  # fmt: skip
_TICKET_INTS = (
    "status", "priority", "queueID", "assignedResourceID", "assignedResourceRoleID", "companyID",
    "companyLocationID", "contactID", "contractID", "configurationItemID", "projectID", "opportunityID",
    "problemTicketId", "billingCodeID", "issueType", "subIssueType", "ticketCategory", "ticketType", "source",
    "creatorType", "creatorResourceID", "createdByContactID", "completedByResourceID", "lastActivityResourceID",
    "lastActivityPersonType", "serviceLevelAgreementID", "firstResponseAssignedResourceID",
    "firstResponseInitiatingResourceID", "monitorID",
)  # fmt: skip
TICKET_REFERENCES: dict[str, str] = {
    "assignedResourceID": "Resource", "companyID": "Company", "contactID": "Contact", "contractID": "Contract",
    "creatorResourceID": "Resource", "completedByResourceID": "Resource", "lastActivityResourceID": "Resource",
    "projectID": "Project", "configurationItemID": "ConfigurationItem", "opportunityID": "Opportunity",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Entity:
    """One REST entity: its URL name, fields (canonical spelling -> data type) and how dates render."""

    name: str
    singular: str
    fields: Mapping[str, str]
    dates: str = ZULU_MS
    date_overrides: Mapping[str, str] = field(default_factory=dict)
    read_only: frozenset[str] = frozenset({"id"})
    not_queryable: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset({"id"})
    _lower: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._lower.update({name.lower(): name for name in self.fields})

    def canonical(self, name: Any) -> str | None:
        """The field's canonical spelling; field names are case-insensitive [C]. None when unknown."""
        return self._lower.get(name.lower()) if isinstance(name, str) else None

    def blank(self) -> dict[str, Any]:
        """A record with every field present and empty (the API sends nulls, not missing keys [C])."""
        return {name: ([] if kind == UDF else None) for name, kind in self.fields.items()}

    def render(self, record: Mapping[str, Any], include: list[str] | None = None) -> dict[str, Any]:
        """The record as JSON: datetimes as strings, only ``include`` fields when given."""
        names = include if include is not None else list(self.fields)
        out: dict[str, Any] = {}
        for name in names:
            value = record.get(name)
            if self.fields[name] == DATETIME and value is not None:
                value = format_time(int(value), self.date_overrides.get(name, self.dates))
            elif self.fields[name] == UDF:
                value = [dict(item) for item in value or []]
            out[name] = value
        return out


def format_time(ts: int, style: str) -> str:
    """Unix seconds in one of the three observed forms."""
    moment = datetime.fromtimestamp(ts, UTC)
    if style == NAIVE:
        return moment.strftime("%Y-%m-%dT%H:%M:%S")
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.000")
    return text + "Z" if style == ZULU_MS else text


def parse_time(value: Any) -> float | None:
    """An ISO timestamp with or without ``Z``/milliseconds -> Unix seconds; naive = UTC [D]. None if unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _fields(**groups: tuple[str, ...]) -> dict[str, str]:
    return {name: kind for kind, names in groups.items() for name in names}


TICKETS = Entity(
    name="Tickets",
    singular="Ticket",
    fields={
        "id": LONG,
        **_fields(string=("ticketNumber", "title", "description")),
        **_fields(integer=_TICKET_INTS),
        **_fields(datetime=_TICKET_DATES),
        "serviceLevelAgreementHasBeenMet": BOOLEAN,
        **_fields(double=("serviceLevelAgreementPausedNextEventHours", "estimatedHours", "hoursToBeScheduled")),
        **_fields(string=("externalID", "rmmAlertID")),
        "userDefinedFields": UDF,
    },
    # [I] SLA due dates come back without a zone, the rest with `Z`: a client must parse both on one record.
    date_overrides=dict.fromkeys(
        ("firstResponseDueDateTime", "resolutionPlanDueDateTime", "resolvedDueDateTime", "dueDateTime"), NAIVE_MS
    ),
    read_only=frozenset(
        {
            "id",
            "ticketNumber",
            "createDate",
            "lastActivityDate",
            "lastTrackedModificationDateTime",
            "creatorType",
            "creatorResourceID",
            "createdByContactID",
            "completedDate",
            "completedByResourceID",
            "lastActivityResourceID",
            "lastActivityPersonType",
            "firstResponseDateTime",
            "firstResponseDueDateTime",
            "resolutionPlanDueDateTime",
            "resolvedDueDateTime",
            "serviceLevelAgreementHasBeenMet",
            "lastCustomerVisibleActivityDateTime",
            "lastCustomerNotificationDateTime",
            "firstResponseAssignedResourceID",
            "firstResponseInitiatingResourceID",
        }
    ),  # fmt: skip  [I] which fields are read-only
    not_queryable=frozenset({"creatorType", "lastActivityPersonType"}),  # [D]
    required=frozenset({"id", "title", "status", "priority", "companyID"}),  # [C] non-null in Anteris
)

RESOURCES = Entity(
    name="Resources",
    singular="Resource",
    fields={
        "id": LONG,
        **_fields(string=("firstName", "lastName", "email", "userName", "title", "resourceType")),
        "isActive": BOOLEAN,
        **_fields(integer=("licenseType", "locationID")),
    },
)

COMPANIES = Entity(
    name="Companies",
    singular="Company",
    fields={
        "id": LONG,
        **_fields(string=("companyName", "companyNumber")),
        **_fields(integer=("companyType", "ownerResourceID")),
        "isActive": BOOLEAN,
        **_fields(datetime=("createDate", "lastActivityDate", "lastTrackedModifiedDateTime")),
    },
    # [C] the apigrate Companies sample: `2016-03-30T13:10:35.563` and `2018-11-13T17:32:34`.
    dates=NAIVE_MS,
    date_overrides={"lastTrackedModifiedDateTime": NAIVE},
    required=frozenset({"id", "companyName"}),
)

TICKET_NOTES = Entity(
    name="TicketNotes",
    singular="TicketNote",
    fields={
        "id": LONG,
        "ticketID": INTEGER,
        **_fields(string=("title", "description")),
        **_fields(integer=("noteType", "publish", "creatorResourceID", "createdByContactID")),
        **_fields(datetime=("createDateTime", "lastActivityDate")),
    },
    read_only=frozenset({"id", "createDateTime", "lastActivityDate", "creatorResourceID", "createdByContactID"}),
    required=frozenset({"id", "ticketID", "title", "description", "noteType", "publish"}),  # [I]
)

TIME_ENTRIES = Entity(
    name="TimeEntries",
    singular="TimeEntry",
    fields={
        "id": LONG,
        **_fields(integer=("ticketID", "taskID", "resourceID", "roleID", "billingCodeID", "contractID")),
        **_fields(datetime=("dateWorked", "startDateTime", "endDateTime", "createDateTime", "lastModifiedDateTime")),
        **_fields(double=("hoursWorked", "hoursToBill")),
        **_fields(string=("summaryNotes", "internalNotes")),
        "isNonBillable": BOOLEAN,
    },
    dates=NAIVE,
)

SLA_RESULTS = Entity(
    name="ServiceLevelAgreementResults",
    singular="ServiceLevelAgreementResult",
    fields={
        "id": LONG,
        "ticketID": INTEGER,
        "serviceLevelAgreementName": STRING,
        **_fields(boolean=("firstResponseMet", "resolutionPlanMet", "resolutionMet")),
        **_fields(double=("firstResponseElapsedHours", "resolutionPlanElapsedHours", "resolutionElapsedHours")),
    },
)

DELETED_TICKET_LOGS = Entity(
    name="DeletedTicketLogs",
    singular="DeletedTicketLog",
    fields={
        "id": LONG,
        "ticketID": INTEGER,
        **_fields(string=("ticketNumber", "ticketTitle")),
        "deletedByResourceID": INTEGER,
        "deletedDateTime": DATETIME,
    },
)

ENTITIES: dict[str, Entity] = {
    e.name.lower(): e
    for e in (TICKETS, RESOURCES, COMPANIES, TICKET_NOTES, TIME_ENTRIES, SLA_RESULTS, DELETED_TICKET_LOGS)
}


def field_info(entity: Entity, picklists: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """``GET {Entity}/entityInformation/fields``: one object per field in the documented shape [C]."""
    out = []
    for name, kind in entity.fields.items():
        values = picklists.get(name)
        reference = TICKET_REFERENCES.get(name) if entity is TICKETS else None
        out.append({
            "name": name, "dataType": "userDefinedField" if kind == UDF else kind, "length": 0,
            "isRequired": name in entity.required, "isReadOnly": name in entity.read_only,
            "isQueryable": name not in entity.not_queryable and kind != UDF, "isReference": reference is not None,
            "referenceEntityType": reference or "", "isPickList": values is not None,
            "picklistValues": [dict(v) for v in values] if values is not None else None,
            "picklistParentValueField": "issueType" if name == "subIssueType" else "",
            "isSupportedWebhookField": entity is TICKETS,
        })  # fmt: skip
    return out
