"""Freshservice API v2 connector (tickets, groups, agents, requesters, departments)."""

from deskpulse.connectors.freshservice.connector import FreshserviceConnector
from deskpulse.connectors.freshservice.settings import PLAN_LIMITS, FreshserviceSettings

__all__ = ["PLAN_LIMITS", "FreshserviceConnector", "FreshserviceSettings"]
