"""The normalized store. Importing the package registers every table on ``Base.metadata``."""

from deskpulse.store import alerts_tables as alerts_tables
from deskpulse.store import auth_tables as auth_tables
from deskpulse.store import report_tables as report_tables
from deskpulse.store import settings_tables as settings_tables
from deskpulse.store import tables as tables
from deskpulse.store import uptime_tables as uptime_tables
