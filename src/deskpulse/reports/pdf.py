"""The report as a PDF, drawn by WeasyPrint from the print flavour of the report HTML.

WeasyPrint needs system libraries (Pango); where it cannot be imported the report is still built as HTML and
e-mail, and the run says why there is no PDF.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

log = logging.getLogger(__name__)


class PdfUnavailable(RuntimeError):
    """No PDF can be made on this server; the message says why in a sentence."""


def _weasyprint() -> Any:
    try:
        return importlib.import_module("weasyprint")
    except (ImportError, OSError) as exc:  # OSError: the package is there but a system library is not
        raise PdfUnavailable(
            "PDF is not available: WeasyPrint cannot be imported on this server "
            f"({type(exc).__name__}: {exc}). The HTML and e-mail versions were built."
        ) from exc


def html_to_pdf(html: str) -> bytes:
    """``html`` (self-contained: inline CSS, data: images) as PDF bytes; ``PdfUnavailable`` without WeasyPrint."""
    weasyprint = _weasyprint()
    # No base URL and data: URIs only: the report must never reach out to the network or the file system.
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols=("data",), timeout=5)
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf()
    return pdf
