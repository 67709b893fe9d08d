"""Rate tables: the shipped data files, validation, carry-forward, and rates published in the journal."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from domain.errors import AlreadyExists, InvalidInput, RuleViolation
from domain.rate_register import RATE_REGISTER_ID, NewRate, RatePublished, RateRegister
from domain.rates import HalfYear, PublishedRate, RateTable, checked_rate
from domain.values import Now
from domain.vocabulary import RateKind
from infrastructure.rate_files import ECB_FILE, LEGAL_FILE, RateFileError, load_rate_table, shipped_rate_tables
from tests.unit.legal_tables import KINDS, LEGAL_MD, legal_md_table

ECB, OTHER = RateKind.ECB_MRO, RateKind.LEGAL_OTHER
H = HalfYear.parse
ECB_HEADER = "half_year,rate,effective_from,source\n"
LEGAL_HEADER = "half_year,consumer_creditor,other,effective_from,source\n"
GOOD_LEGAL = LEGAL_HEADER + "2026H1,6.67,2.62,2026-01-01,arrêté\n"


def rate(half_year: str, value: str, kind: RateKind = ECB, effective_from: date | None = None) -> PublishedRate:
    period = H(half_year)
    return PublishedRate(kind, period, Decimal(value), effective_from or period.start, "test source")


def now(day: date) -> Now:
    return Now(instant=datetime(day.year, day.month, day.day, 12, tzinfo=UTC), today=day)


# --------------------------------------------------------------- half-years


def test_a_half_year_is_read_from_its_name_and_knows_its_days() -> None:
    first, second = H("2026H1"), H(" 2026 h2 ")

    assert (first.start, first.end, str(first)) == (date(2026, 1, 1), date(2026, 6, 30), "2026H1")
    assert (second.start, second.end, str(second)) == (date(2026, 7, 1), date(2026, 12, 31), "2026H2")
    assert (first.next(), second.next(), first.previous()) == (second, H("2027H1"), H("2025H2"))
    assert (HalfYear.of(date(2024, 6, 30)), HalfYear.of(date(2024, 7, 1))) == (H("2024H1"), H("2024H2"))


@pytest.mark.parametrize("text", ["2026H3", "2026", "H1", "26H1", "2026-S1", ""])
def test_a_malformed_half_year_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        H(text)

    assert error.value.rule == "half_year_format"


@pytest.mark.parametrize(
    ("value", "rule"),
    [("-0.01", "rate_range"), ("100", "rate_range"), ("NaN", "rate_range"), ("2,15", "rate_format"),
     ("2.1505", "rate_precision"), (2.15, "rate_format")],
)  # fmt: skip
def test_a_rate_must_be_a_decimal_percentage(value: object, rule: str) -> None:
    with pytest.raises(InvalidInput) as error:
        checked_rate(value)  # type: ignore[arg-type]

    assert error.value.rule == rule


# ------------------------------------------------------------- shipped files


def test_the_shipped_files_hold_exactly_the_tables_of_legal_md() -> None:
    table = load_rate_table()

    loaded = {
        str(half_year): tuple(str(table.get(kind, half_year).rate) for kind in KINDS)  # type: ignore[union-attr]
        for half_year in table.half_years(ECB)
    }
    assert loaded == LEGAL_MD
    assert table.half_years(RateKind.LEGAL_CONSUMER_CREDITOR) == table.half_years(OTHER) == table.half_years(ECB)


def test_every_shipped_rate_has_a_source_and_a_date_of_effect() -> None:
    for entry in load_rate_table().entries():
        assert entry.source and entry.origin == "data_file"
        if entry.kind is ECB:
            assert entry.effective_from <= entry.half_year.start
        else:
            assert entry.effective_from == entry.half_year.start


def test_the_ecb_rate_of_a_half_year_is_the_one_in_force_on_its_first_day() -> None:
    table = load_rate_table()

    # 2.15 % took effect on 11 June 2025: in force on 1 July 2025 and still on 1 January 2026
    assert [(str(e.half_year), e.effective_from) for e in table.entries() if e.kind is ECB][-2:] == [
        ("2025H2", date(2025, 6, 11)),
        ("2026H1", date(2025, 6, 11)),
    ]


# ------------------------------------------------------------------ lookup


def test_a_published_half_year_is_not_provisional() -> None:
    applied = legal_md_table().lookup(ECB, H("2025H2"))

    assert (applied.rate, applied.provisional) == (Decimal("2.15"), False)


def test_an_unpublished_half_year_carries_the_last_rate_forward_as_provisional() -> None:
    table = legal_md_table()

    applied = table.lookup(OTHER, H("2027H1"))

    assert (applied.rate, applied.provisional, applied.entry.half_year) == (Decimal("2.62"), True, H("2026H1"))
    assert "carried forward" in applied.describe()


def test_a_half_year_before_the_table_is_unknown() -> None:
    with pytest.raises(RuleViolation) as error:
        legal_md_table().lookup(ECB, H("2022H2"))

    assert error.value.rule == "rate_unknown"
    assert "2023H1" in error.value.message


def test_an_empty_table_knows_no_rate() -> None:
    with pytest.raises(RuleViolation, match="empty"):
        RateTable().lookup(ECB, H("2026H1"))


# -------------------------------------------------------------- validation


def test_a_second_rate_for_the_same_half_year_is_refused() -> None:
    with pytest.raises(AlreadyExists) as error:
        legal_md_table().with_rate(rate("2026H1", "2.40"))

    assert error.value.rule == "rate_published_once"


def test_a_gap_in_the_half_years_is_refused() -> None:
    with pytest.raises(RuleViolation) as error:
        legal_md_table().with_rate(rate("2027H1", "2.40"))

    assert error.value.rule == "rate_half_years_contiguous"
    assert "2026H2" in error.value.message


def test_the_next_half_year_and_the_one_before_the_first_are_accepted() -> None:
    table = (
        legal_md_table()
        .with_rate(rate("2026H2", "2.40"))
        .with_rate(rate("2022H2", "1.25", effective_from=date(2022, 3, 1)))
    )

    assert table.half_years(ECB)[0] == H("2022H2")
    assert table.lookup(ECB, H("2026H2")).provisional is False


def test_an_ecb_rate_taking_effect_after_the_first_day_of_its_half_year_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        RateTable().with_rate(rate("2026H2", "2.40", effective_from=date(2026, 7, 2)))

    assert error.value.rule == "rate_effective_from"


def test_a_legal_rate_takes_effect_on_the_first_day_of_its_half_year() -> None:
    with pytest.raises(InvalidInput) as error:
        RateTable().with_rate(rate("2026H2", "2.40", OTHER, effective_from=date(2026, 6, 20)))

    assert error.value.rule == "rate_effective_from"


def test_a_table_is_never_changed_in_place() -> None:
    table = legal_md_table()

    table.with_rate(rate("2026H2", "2.40"))

    assert table.get(ECB, H("2026H2")) is None


def test_journal_publications_extend_the_data_files_which_win_on_a_clash() -> None:
    shipped = legal_md_table()
    typo = PublishedRate(ECB, H("2026H1"), Decimal("2.51"), date(2025, 6, 11), "typo", "admin:bob", date(2026, 1, 5))
    next_one = PublishedRate(ECB, H("2026H2"), Decimal("2.40"), date(2026, 7, 1), "ecb", "admin:bob", date(2026, 7, 2))

    merged = shipped.merged_with([typo, next_one])

    assert merged.lookup(ECB, H("2026H1")).rate == Decimal("2.15")
    assert merged.get(ECB, H("2026H2")) == next_one
    assert shipped.superseded([typo, next_one]) == [(typo, shipped.get(ECB, H("2026H1")))]


# -------------------------------------------------------------- bad files


def write_tables(folder: Path, ecb: str, legal: str = GOOD_LEGAL) -> Path:
    (folder / ECB_FILE).write_text(ecb, encoding="utf-8")
    (folder / LEGAL_FILE).write_text(legal, encoding="utf-8")
    return folder


def test_good_files_in_a_folder_load(tmp_path: Path) -> None:
    table = load_rate_table(write_tables(tmp_path, ECB_HEADER + "2026H1,2.15,2025-06-11,ECB\n"))

    assert len(table) == 3
    assert table.lookup(RateKind.LEGAL_CONSUMER_CREDITOR, H("2026H1")).rate == Decimal("6.67")


@pytest.mark.parametrize(
    ("ecb", "line", "problem"),
    [
        (ECB_HEADER + "2026H1,2.15,2025-06-11,ECB\n2026H2,abc,2026-07-01,ECB\n", 3, "not a decimal"),
        (ECB_HEADER + "2026H1,2.15,2025-06-11,ECB\n2026H3,2.15,2026-07-01,ECB\n", 3, "not a half-year"),
        (ECB_HEADER + "2026H1,2.15,11/06/2025,ECB\n", 2, "not a date"),
        (ECB_HEADER + "2025H1,3.15,2024-12-18,ECB\n2026H1,2.15,2025-06-11,ECB\n", 3, "no gaps"),
        (ECB_HEADER + "2026H1,2.15,2025-06-11,ECB\n2026H1,2.15,2025-06-11,ECB\n", 3, "already known"),
        (ECB_HEADER + "2026H1,2.15,2025-06-11,\n", 2, "source"),
        (ECB_HEADER + "2026H1,2.15,2025-06-11\n", 2, "expected 4 values"),
        (ECB_HEADER + "2026H1,120,2025-06-11,ECB\n", 2, "between 0 and 100"),
        ("half_year;rate;effective_from;source\n2026H1;2.15;2025-06-11;ECB\n", 1, "expected the columns"),
    ],
)
def test_a_broken_file_is_an_error_naming_the_file_and_the_line(
    tmp_path: Path, ecb: str, line: int, problem: str
) -> None:
    with pytest.raises(RateFileError) as error:
        load_rate_table(write_tables(tmp_path, ecb))

    assert f"{ECB_FILE}, line {line}:" in str(error.value)
    assert problem in str(error.value)


def test_a_missing_or_empty_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(RateFileError, match=LEGAL_FILE):
        load_rate_table(write_tables(tmp_path, ECB_HEADER + "2026H1,2.15,2025-06-11,ECB\n", legal=LEGAL_HEADER))
    (tmp_path / ECB_FILE).unlink()
    with pytest.raises(RateFileError, match=f"{ECB_FILE}: cannot be read"):
        load_rate_table(tmp_path)


def test_the_shipped_folder_is_package_data() -> None:
    assert sorted(p.name for p in shipped_rate_tables().iterdir() if p.name.endswith(".csv")) == [ECB_FILE, LEGAL_FILE]


# ------------------------------------------------------------ the register


def test_publishing_a_half_year_records_one_event_per_rate_with_its_actor_and_source() -> None:
    register = RateRegister()

    events = register.publish(
        half_year=H("2026H2"),
        rates=[NewRate(ECB, Decimal("2.15"), date(2025, 6, 11)), NewRate(OTHER, Decimal("2.50"), date(2026, 7, 1))],
        source="https://www.ecb.europa.eu/ and JORF",
        known=legal_md_table(),
        now=now(date(2026, 7, 2)),
        actor="admin:bob",
    )

    assert [(e.kind, e.half_year, e.rate, e.actor, e.originator_id) for e in events] == [
        (ECB, "2026H2", Decimal("2.15"), "admin:bob", RATE_REGISTER_ID),
        (OTHER, "2026H2", Decimal("2.50"), "admin:bob", RATE_REGISTER_ID),
    ]
    assert [e.originator_version for e in events] == [1, 2]
    assert all(isinstance(e, RatePublished) and e.published_on == date(2026, 7, 2) for e in events)
    replayed = RateRegister.replay(register.collect_events())
    assert replayed is not None
    assert [(p.published_by, p.origin) for p in replayed.publications] == [("admin:bob", "journal")] * 2


@pytest.mark.parametrize(
    ("half_year", "rates", "rule"),
    [
        ("2026H1", [NewRate(ECB, Decimal("2.15"), date(2025, 6, 11))], "rate_published_once"),
        ("2027H2", [NewRate(ECB, Decimal("2.15"), date(2025, 6, 11))], "rate_half_year_not_future"),
        ("2026H2", [], "rates_required"),
        ("2026H2", [NewRate(ECB, Decimal("2.1"), date(2026, 7, 1))] * 2, "rate_kind_once"),
        ("2026H2", [NewRate(ECB, Decimal("-1"), date(2026, 7, 1))], "rate_range"),
    ],
)
def test_a_publication_that_breaks_a_rule_records_nothing(half_year: str, rates: list[NewRate], rule: str) -> None:
    register = RateRegister()

    with pytest.raises((InvalidInput, RuleViolation, AlreadyExists)) as error:
        register.publish(
            half_year=H(half_year),
            rates=rates,
            source="src",
            known=legal_md_table(),
            now=now(date(2026, 11, 23)),
            actor="a",
        )

    assert error.value.rule == rule
    assert register.collect_events() == []
