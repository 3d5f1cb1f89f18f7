"""The plan as a document."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cpcase.audit import audit_record
from cpcase.documents import render_pdf
from cpcase.errors import NotFound
from cpcase.models import AuditEvent, User
from plans.selectors import plan_document_context, plan_for

PDF_AUDIENCES = {"family": "for the family", "professionals": "for professionals"}


def plan_pdf(*, actor: User, plan_id: Any, audience: str) -> tuple[str, bytes]:
    """The plan as a tagged PDF, in plain words for the family or in full for professionals.
    Anyone who may read the plan may export it; every export is audited."""
    if audience not in PDF_AUDIENCES:
        raise NotFound("There is no such version of the plan.")
    plan = plan_for(actor, plan_id)
    context = plan_document_context(plan)
    pdf = render_pdf(f"plans/pdf_{audience}.html", context)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=plan,
        child=plan.child,
        summary=f"Exported the plan as a PDF {PDF_AUDIENCES[audience]}",
        changes={"audience": audience, "version": plan.version, "bytes": len(pdf)},
    )
    filename = f"child-protection-plan-{audience}-{timezone.localdate():%Y-%m-%d}.pdf"
    return filename, pdf
