"""Deliver the webhook outbox, for `lienrx notify run`.

Like the e-mail: each call is claimed and composed in one short transaction, committed, then
POSTed with no transaction open (a slow receiver never holds a database lock), and its outcome
— the outbox row and the delivery log — recorded in a second transaction.
"""

from __future__ import annotations

from lienrx.extensions import db
from lienrx.outbox import rules as outbox_rules
from lienrx.outbox import services as outbox
from lienrx.outbox.tally import Tally
from lienrx.webhooks import delivery, rules

BATCH = 200  # calls one pass delivers at most


def deliver_due(limit: int = BATCH) -> Tally:
    """POST the webhook calls that are due, one claimed row at a time; commit each outcome."""
    tally = Tally()
    for _ in range(limit):
        message = outbox.claim((rules.CHANNEL,))
        if message is None:
            db.session.commit()
            break
        message_id = message.id
        try:
            call = delivery.compose(message)
        except delivery.Undeliverable as exc:
            outbox.record_failure(message_id, exc.reason, final=True)
            db.session.commit()
            tally.failed += 1
            continue
        db.session.commit()  # the claim holds from here: no other worker takes this row
        outcome = delivery.post(call)
        delivery.record_attempt(call, outcome)
        if outcome.delivered:
            outbox.record_sent(message_id)
            tally.sent += 1
        elif outbox.record_failure(message_id, outcome.reason).status == outbox_rules.FAILED:
            tally.failed += 1
        else:
            tally.retrying += 1
        db.session.commit()
    return tally
