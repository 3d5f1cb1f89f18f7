"""PDF documents with WeasyPrint: tagged for accessibility (PDF/UA), page-numbered by CSS.

Most of a letter's time is WeasyPrint laying it out; what is the same for every letter
is done once: the stylesheet every letter shares (``letters/letter.css``) is parsed once
a process, and a :class:`PdfRenderer` finds and loads the fonts once for all the documents
it renders. Each thread keeps one (:func:`renderer`), so only a process's first document
pays for finding the fonts. The PDFs are the same, byte for byte.
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string

if TYPE_CHECKING:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

SHARED_STYLESHEET = "letters/letter.css"


@lru_cache(maxsize=1)
def shared_stylesheet() -> weasyprint.CSS:
    """``letters/letter.css``, parsed once: read only once parsed, so documents share it."""
    # Not a cycle: WeasyPrint (Pango) takes most of a second to load; only rendering pays.
    import weasyprint

    return weasyprint.CSS(string=render_to_string(SHARED_STYLESHEET), base_url=None)


class PdfRenderer:
    """Renders documents with one font configuration, so fonts are found and loaded
    once for all of them. Not shared between threads (Pango's font map is not)."""

    def __init__(self) -> None:
        self._fonts: FontConfiguration | None = None

    def render(self, template_name: str, context: dict[str, Any]) -> bytes:
        # Not a cycle: loaded when a document is rendered, as above.
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        if self._fonts is None:
            self._fonts = FontConfiguration()
        html = render_to_string(template_name, {**context, "stylesheet_given": True})
        return weasyprint.HTML(string=html, base_url=None).write_pdf(
            stylesheets=[shared_stylesheet()],
            font_config=self._fonts,
            pdf_variant="pdf/ua-1",
            pdf_tags=True,
            custom_metadata=True,
        )


_local = threading.local()


def renderer() -> PdfRenderer:
    """This thread's renderer: the fonts are found and loaded once per thread, not once
    per document (documents only use the system's fonts: no ``@font-face`` grows it)."""
    found: PdfRenderer | None = getattr(_local, "renderer", None)
    if found is None:
        found = _local.renderer = PdfRenderer()
    return found


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """One document, with this thread's renderer."""
    return renderer().render(template_name, context)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
