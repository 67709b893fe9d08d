"""/v1/mail: what came back of the reminders sent by e-mail, read from the mailbox (decision 0099)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field

from api.http.dependencies import ServicesDep, allow
from api.http.schemas import Body
from application.access import COLLECTION, MANAGEMENT, Principal
from domain.errors import RuleViolation

router = APIRouter(prefix="/v1/mail", tags=["mail"])

Manager = Annotated[Principal, Depends(allow(MANAGEMENT))]
Collector = Annotated[Principal, Depends(allow(COLLECTION))]


class HandledBody(Body):
    key: str = Field(
        min_length=1, max_length=998, description="The reply's key (its Message-ID), as the worklist shows it"
    )


@router.post(
    "/fetch",
    summary="Read the mailbox: bounces recorded, replies noted and put on the worklist",
    description=(
        "Reads the new messages of the mailbox RELANCE_IMAP_* names. A delivery status notification (RFC 3464) "
        "naming one of our Message-IDs records DeliveryReported (source dsn, the DSN stored as message/rfc822) "
        "on each invoice the e-mail named; a hard bounce flags the contact's e-mail (EmailBounced) and the next "
        "step goes by letter. A reply (In-Reply-To / References) is noted in each file with the message stored "
        "as message/rfc822 and listed on the worklist (reply_received); an auto-reply is noted only. Each "
        "message is processed once and marked read: reading again records nothing new. 409 imap_not_configured "
        "when no IMAP server is set, 409 mailbox_unavailable when it cannot be read."
    ),
    responses={409: {}},
)
def fetch_mail(services: ServicesDep, p: Manager) -> dict[str, Any]:
    mailbox = services.mailbox()
    if mailbox is None:
        raise RuleViolation("no IMAP server is configured (RELANCE_IMAP_HOST)", rule="imap_not_configured")
    return services.mail_feedback().fetch(mailbox, principal=p).view()


@router.post(
    "/replies/handled",
    summary="A debtor's reply was read and answered: it leaves the worklist (its note stays in the file)",
    responses={404: {"description": "reply_exists: no reply with that key waits to be handled"}},
)
def reply_handled(body: HandledBody, services: ServicesDep, p: Collector) -> dict[str, Any]:
    services.mail_feedback().handled(body.key, actor=p.name)
    return {"key": body.key.strip(), "handled": True}
