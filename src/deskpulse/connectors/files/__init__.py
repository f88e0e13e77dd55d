"""The ``files`` source: a folder of JSON files, one per ticket, written by another tool."""

from deskpulse.connectors.files.connector import FilesConnector
from deskpulse.connectors.files.settings import FilesSettings

__all__ = ["FilesConnector", "FilesSettings"]
