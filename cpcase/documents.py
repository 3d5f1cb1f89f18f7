"""PDF documents with WeasyPrint: tagged for accessibility (PDF/UA), page-numbered by CSS."""

from __future__ import annotations

import hashlib
from typing import Any

from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    import weasyprint

    html = render_to_string(template_name, context)
    return weasyprint.HTML(string=html, base_url=None).write_pdf(
        pdf_variant="pdf/ua-1", pdf_tags=True, custom_metadata=True
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
