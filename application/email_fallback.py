"""A debtor whose e-mail bounced gets a letter instead (product.md, Dispatch; decision 0099).

A hard bounce flags the contact's address (``EmailBounced``); while no other contact can be e-mailed,
the run turns each e-mail document into a letter of the same kind (or joins the letter of that kind
already planned) and says so in its report. The letter then meets the postal checks as any other:
no postal address, a returned address, Sunday.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.debtor import Debtor
from domain.dunning_policy import Channel

RULE = "email_bounced"


def letters_for_bounced_email(groups: list[Any], debtor: Debtor, say: Callable[[Any, str, str], None]) -> list[Any]:
    """The run's groups (kind, channel, actions, receivables) with e-mail replaced by letter when the debtor's
    e-mail bounced; ``say(group, rule, detail)`` tells the report."""
    bounced_on = debtor.email_bounced_on
    if bounced_on is None:
        return groups
    kept: list[Any] = []
    for group in groups:
        if group.channel is not Channel.EMAIL:
            kept.append(group)
            continue
        detail = f"the debtor's e-mail bounced on {bounced_on:%d/%m/%Y}"
        letter = next(
            (g for g in groups if g.kind is group.kind and g.channel in (Channel.LETTER, Channel.REGISTERED_LETTER)),
            None,
        )
        if letter is not None:  # the same document goes by post already: it names these invoices too
            named = {r.id for r in letter.receivables}
            for action, receivable in zip(group.actions, group.receivables, strict=True):
                if receivable.id not in named:
                    letter.actions.append(action)
                    letter.receivables.append(receivable)
            say(group, RULE, f"{detail}: it goes only by the letter already planned")
            continue
        group.channel = Channel.LETTER
        say(group, RULE, f"{detail}: sent by letter instead")
        kept.append(group)
    return kept
