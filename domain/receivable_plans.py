"""Promises to pay and payment plans on a receivable, and their breaches.

Command methods check the rules of product.md, then trigger one event (applied by ``when``)."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from domain.errors import InvalidInput, RuleViolation
from domain.receivable_events import (
    Instalment,
    InstalmentMissed,
    PaymentPlanAgreed,
    PromiseBroken,
    PromiseToPayRecorded,
)
from domain.receivable_standing import Standing
from domain.receivable_state import ZERO
from domain.values import (
    Money,
    Now,
    optional_sha256,
)


class PromisesAndPlans(Standing):
    def record_promise(
        self, *, amount_promised: Money, promised_date: date, now: Now, actor: str
    ) -> PromiseToPayRecorded:
        self._require_open()
        value = self._money(amount_promised, "amount")
        if value > self.outstanding:
            raise RuleViolation(
                f"amount: {value} is more than the {self.outstanding} outstanding", rule="promise_within_outstanding"
            )
        self._require_future(promised_date, "promised_date", now)
        return self._trigger(
            PromiseToPayRecorded, now, actor, amount=value, promised_date=promised_date, recorded_on=now.today
        )

    def break_promise(self, *, noted_on: date, now: Now, actor: str) -> PromiseBroken:
        self._require_open()
        promise = self.open_promise
        if promise is None:
            raise RuleViolation("there is no open promise to pay", rule="promise_open")
        self._require_happened(noted_on, "noted_on", now)
        if noted_on <= promise.promised_date:
            raise RuleViolation(f"the promise runs until {promise.promised_date}", rule="promise_date_passed")
        return self._trigger(PromiseBroken, now, actor, promised_date=promise.promised_date, noted_on=noted_on)

    def agree_payment_plan(
        self,
        *,
        instalments: list[tuple[date, Money]],
        now: Now,
        actor: str,
        agreement_sha256: str | None = None,
    ) -> PaymentPlanAgreed:
        self._require_open()
        if self.active_plan is not None:
            raise RuleViolation(f"payment plan {self.active_plan.number} is in good standing", rule="one_active_plan")
        if not instalments or len(instalments) > 120:
            raise InvalidInput("instalments: between 1 and 120", rule="instalments_count")
        schedule = [
            Instalment(due_date=due, amount=self._money(money, f"instalments[{i}].amount"))
            for i, (due, money) in enumerate(instalments)
        ]
        self._require_future(schedule[0].due_date, "instalments[0].due_date", now)
        for before, after in pairwise(schedule):
            if after.due_date <= before.due_date:
                raise InvalidInput("instalments: due dates must increase", rule="instalments_order")
        total = sum((i.amount for i in schedule), ZERO)
        if total < self.outstanding:
            raise RuleViolation(
                f"instalments: {total} does not cover the {self.outstanding} outstanding",
                rule="plan_covers_outstanding",
            )
        return self._trigger(
            PaymentPlanAgreed,
            now,
            actor,
            plan_number=len(self.plans) + 1,
            instalments=schedule,
            agreed_on=now.today,
            agreement_sha256=optional_sha256(agreement_sha256, "agreement_sha256"),
        )

    def miss_instalment(self, *, instalment_number: int, noted_on: date, now: Now, actor: str) -> InstalmentMissed:
        self._require_open()
        plan = self.active_plan
        if plan is None:
            raise RuleViolation("there is no payment plan in good standing", rule="plan_active")
        if not 1 <= instalment_number <= len(plan.instalments):
            raise InvalidInput(f"instalment_number: 1 to {len(plan.instalments)}", rule="instalment_exists")
        instalment = plan.instalments[instalment_number - 1]
        self._require_happened(noted_on, "noted_on", now)
        if noted_on <= instalment.due_date:
            raise RuleViolation(
                f"instalment {instalment_number} is due on {instalment.due_date}", rule="instalment_date_passed"
            )
        due_so_far = sum((i.amount for i in plan.instalments[:instalment_number]), ZERO)
        if self.paid - plan.paid_when_agreed >= due_so_far:
            raise RuleViolation(f"instalment {instalment_number} was paid", rule="instalment_unpaid")
        return self._trigger(
            InstalmentMissed,
            now,
            actor,
            plan_number=plan.number,
            instalment_number=instalment_number,
            due_date=instalment.due_date,
            noted_on=noted_on,
        )
