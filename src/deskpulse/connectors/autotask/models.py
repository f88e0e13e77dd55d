"""Pydantic models of the Autotask payloads deskpulse reads (only the fields used).

Field names are the API's own (camelCase). Reference: /work/shared/vendor-api/autotask.md ("Ticket fields",
"Related entities"); Autotask DeveloperHelp, TicketsEntity.htm and the other *Entity.htm pages.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AtZone(_Loose):
    """``zoneInformation`` answer."""

    url: str
    zoneName: str | None = None
    webUrl: str | None = None
    ci: int | None = None


class AtThreshold(_Loose):
    """``ThresholdInformation`` answer [C]."""

    externalRequestThreshold: int
    requestThresholdTimeframe: int = 60
    currentTimeframeRequestCount: int


class AtPicklistValue(_Loose):
    """One picklist entry; ``value`` is a string although the ticket field is an int [C]."""

    value: str
    label: str
    isActive: bool = True
    isDefaultValue: bool = False
    sortOrder: int | None = None


class AtField(_Loose):
    """One entry of ``{Entity}/entityInformation/fields``."""

    name: str
    dataType: str | None = None
    isPickList: bool = False
    picklistValues: list[AtPicklistValue] | None = None


class AtTicket(_Loose):
    """A ticket; required (non-null) fields are id, title, status, priority and companyID [C]."""

    id: int
    ticketNumber: str | None = None
    title: str | None = None
    description: str | None = None
    status: int
    priority: int | None = None
    queueID: int | None = None
    assignedResourceID: int | None = None
    companyID: int | None = None
    contactID: int | None = None
    source: int | None = None
    issueType: int | None = None
    ticketType: int | None = None
    serviceLevelAgreementID: int | None = None
    serviceLevelAgreementHasBeenMet: bool | None = None
    createDate: str | None = None
    lastActivityDate: str | None = None
    lastTrackedModificationDateTime: str | None = None
    completedDate: str | None = None
    firstResponseDateTime: str | None = None
    firstResponseDueDateTime: str | None = None
    resolutionPlanDueDateTime: str | None = None
    resolvedDateTime: str | None = None
    resolvedDueDateTime: str | None = None


class AtResource(_Loose):
    """A resource (a person who works tickets)."""

    id: int
    firstName: str | None = None
    lastName: str | None = None
    email: str | None = None
    userName: str | None = None
    isActive: bool | None = None


class AtCompany(_Loose):
    """A company (an MSP's customer)."""

    id: int
    companyName: str | None = None
    companyNumber: str | None = None
    isActive: bool | None = None


class AtDeletedTicketLog(_Loose):
    """A UI deletion, logged because tickets cannot be deleted through the API [D/C]."""

    id: int
    ticketID: int
    ticketNumber: str | None = None
    ticketTitle: str | None = None
    deletedByResourceID: int | None = None
    deletedDateTime: str | None = None


class AtTimeEntry(_Loose):
    """Time worked; date-times are UTC, so entries near midnight can span days [D]."""

    id: int
    resourceID: int | None = None
    ticketID: int | None = None
    dateWorked: str | None = None
    startDateTime: str | None = None
    hoursWorked: float | None = None
    isNonBillable: bool | None = None
    summaryNotes: str | None = None


class AtSlaResult(_Loose):
    """Autotask's SLA verdict for one ticket (ServiceLevelAgreementResults) [C]."""

    id: int
    ticketID: int
    firstResponseMet: bool | None = None
    resolutionPlanMet: bool | None = None
    resolutionMet: bool | None = None


class AtNote(_Loose):
    """A ticket note."""

    id: int
    ticketID: int | None = None
    title: str | None = None
    description: str | None = None
