"""Working calendars: hand-computed holidays, business time, DST and deadlines; the vectorised form = the pure one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.domain.calendars import DAY_OFF, WORKING_DAY, WorkingCalendar, site_calendar
from helpline.kpi.business_time import business_seconds_between, business_seconds_expr, cumulative_business_seconds

MSK = ZoneInfo("Europe/Moscow")
DUBLIN = ZoneInfo("Europe/Dublin")
WEEKDAYS_9_18 = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
MOSCOW = WorkingCalendar("Europe/Moscow", WEEKDAYS_9_18, "RU")
H = 3_600


def test_russian_new_year_holidays_2027() -> None:
    assert not any(MOSCOW.is_working_day(date(2027, 1, day)) for day in range(1, 11))  # Jan 1–8 + the weekend
    assert MOSCOW.is_working_day(date(2027, 1, 11))  # Monday
    assert not MOSCOW.is_working_day(date(2026, 12, 31))  # 2026's day off moved from Saturday Jan 3
    # Saturday Feb 20 is worked (its day off moved to Monday Feb 22), on Monday's hours
    assert MOSCOW.is_working_day(date(2027, 2, 20)) and not MOSCOW.is_working_day(date(2027, 2, 22))
    assert MOSCOW.working_spans(date(2027, 2, 20)) == ((9 * H, 18 * H),)
    no_transfers = WorkingCalendar("Europe/Moscow", WEEKDAYS_9_18, "RU", country_working_days=False)
    assert not no_transfers.is_working_day(date(2027, 2, 20))


def test_business_seconds_across_a_weekend_and_a_holiday_in_moscow() -> None:
    # Fri Mar 5 17:00 → Tue Mar 9 10:00: 1 h Friday, weekend, Mon Mar 8 (Women's Day) off, 1 h Tuesday
    start, end = datetime(2027, 3, 5, 17, tzinfo=MSK), datetime(2027, 3, 9, 10, tzinfo=MSK)
    assert MOSCOW.business_seconds(start, end) == 2 * H
    assert MOSCOW.business_seconds(end, start) == -2 * H
    assert MOSCOW.business_seconds(start.astimezone(UTC), end.astimezone(UTC)) == 2 * H
    # Fri Feb 19 16:00 → Wed Feb 24 11:00: 2 h + worked Saturday 9 h + Feb 22 (moved) and 23 (holiday) off + 2 h
    assert MOSCOW.business_seconds(datetime(2027, 2, 19, 16, tzinfo=MSK),
                                   datetime(2027, 2, 24, 11, tzinfo=MSK)) == 13 * H
    # Dec 30 2026 12:00 → Jan 11 2027 12:00: 6 h on Dec 30, then nothing until Monday Jan 11 09:00, + 3 h
    assert MOSCOW.business_seconds(datetime(2026, 12, 30, 12, tzinfo=MSK),
                                   datetime(2027, 1, 11, 12, tzinfo=MSK)) == 9 * H
    assert MOSCOW.business_seconds(datetime(2027, 1, 2, tzinfo=MSK), datetime(2027, 1, 8, tzinfo=MSK)) == 0


def test_add_business_seconds() -> None:
    friday = datetime(2027, 3, 5, 17, tzinfo=MSK)
    assert MOSCOW.add_business_seconds(friday, H) == datetime(2027, 3, 5, 18, tzinfo=MSK)
    assert MOSCOW.add_business_seconds(friday, H + 1) == datetime(2027, 3, 9, 9, 0, 1, tzinfo=MSK)
    assert MOSCOW.add_business_seconds(friday.astimezone(UTC), H + 1).tzinfo is UTC
    assert MOSCOW.add_business_seconds(datetime(2027, 3, 6, 12, tzinfo=MSK), 0) == datetime(2027, 3, 6, 12, tzinfo=MSK)


def test_dst_in_dublin() -> None:
    sundays = WorkingCalendar("Europe/Dublin", {"sun": [["00:00", "24:00"]]}, "IE")
    # Mar 28 2027 springs forward at 01:00 GMT, Oct 31 falls back at 02:00 IST
    assert sundays.business_seconds(datetime(2027, 3, 27, tzinfo=UTC), datetime(2027, 3, 30, tzinfo=UTC)) == 23 * H
    assert sundays.business_seconds(datetime(2027, 10, 30, tzinfo=UTC), datetime(2027, 11, 2, tzinfo=UTC)) == 25 * H
    gap = WorkingCalendar("Europe/Dublin", {"sun": [["00:30", "01:30"], ["01:30", "03:00"]]}, "IE")
    # 01:30 does not exist on Mar 28: it stands for the transition (01:00 UTC); 03:00 IST is 02:00 UTC
    assert gap.working_intervals(date(2027, 3, 28)) == [
        (datetime(2027, 3, 28, 0, 30, tzinfo=UTC), datetime(2027, 3, 28, 1, tzinfo=UTC)),
        (datetime(2027, 3, 28, 1, tzinfo=UTC), datetime(2027, 3, 28, 2, tzinfo=UTC))]
    fold = WorkingCalendar("Europe/Dublin", {"sun": [["01:00", "02:00"]]}, "IE")
    assert fold.business_seconds(datetime(2027, 10, 31, tzinfo=UTC), datetime(2027, 11, 1, tzinfo=UTC)) == 2 * H
    office = WorkingCalendar("Europe/Dublin", WEEKDAYS_9_18, "IE")
    # Fri Mar 26 17:00 GMT → Tue Mar 30 10:00 IST (Easter Monday off): 1 h + 1 h
    assert office.business_seconds(datetime(2027, 3, 26, 17, tzinfo=DUBLIN),
                                   datetime(2027, 3, 30, 10, tzinfo=DUBLIN)) == 2 * H
    assert office.add_business_seconds(datetime(2027, 3, 26, 17, tzinfo=DUBLIN), 2 * H) == datetime(
        2027, 3, 30, 9, tzinfo=UTC)


def test_add_working_days_in_russia() -> None:
    # Dec 31 and Jan 1–10 are off: Jan 11 is working day 1, Jan 29 working day 15
    assert MOSCOW.add_working_days(date(2026, 12, 30), 15) == date(2027, 1, 29)
    assert MOSCOW.add_working_days(date(2027, 2, 18), 3) == date(2027, 2, 24)  # Fri 19, Sat 20 (worked), Wed 24
    assert MOSCOW.add_working_days(date(2027, 2, 18), 0) == date(2027, 2, 18)
    # 22:00 UTC on Jan 28 is already Friday Jan 29 in Moscow
    assert MOSCOW.add_working_days(datetime(2027, 1, 28, 22, tzinfo=UTC), 1) == date(2027, 2, 1)
    with pytest.raises(ValueError, match=">= 0"):
        MOSCOW.add_working_days(date(2027, 1, 1), -1)


def test_add_working_days_in_china_across_the_spring_festival() -> None:
    shanghai = WorkingCalendar("Asia/Shanghai", WEEKDAYS_9_18, "CN")
    # 2025: Jan 28–Feb 4 off; Sunday Jan 26 and Saturday Feb 8 worked instead
    # Jan 26 (1), 27 (2), Feb 5–7 (3–5), Sat Feb 8 (6), Feb 10–14 (7–11), Feb 17–20 (12–15)
    assert shanghai.add_working_days(date(2025, 1, 24), 15) == date(2025, 2, 20)
    without = WorkingCalendar("Asia/Shanghai", WEEKDAYS_9_18, "CN", country_working_days=False)
    # Jan 27 (1), Feb 5–7 (2–4), Feb 10–14 (5–9), Feb 17–21 (10–14), Feb 24 (15)
    assert without.add_working_days(date(2025, 1, 24), 15) == date(2025, 2, 24)


def test_extra_days_and_always_open() -> None:
    calendar = WorkingCalendar("Europe/Moscow", {"mon": [["10:00", "12:00"]], "tue": [["09:00", "18:00"]]}, "RU",
                               extra_holidays={date(2027, 3, 2)}, extra_working_days={date(2027, 3, 6)})
    assert not calendar.is_working_day(date(2027, 3, 2))  # a Tuesday
    assert calendar.working_spans(date(2027, 3, 6)) == ((10 * H, 12 * H),)  # a Saturday, on Monday's hours
    always = WorkingCalendar("Europe/Moscow", {}, "RU", extra_holidays={date(2027, 1, 2)})
    assert always.is_working_day(date(2027, 1, 1)) and not always.is_working_day(date(2027, 1, 2))
    assert always.business_seconds(datetime(2027, 1, 1, tzinfo=MSK), datetime(2027, 1, 3, tzinfo=MSK)) == 24 * H
    with pytest.raises(ValueError, match="both"):
        WorkingCalendar("UTC", {}, extra_holidays={date(2027, 1, 1)}, extra_working_days={date(2027, 1, 1)})
    with pytest.raises(ValueError, match="never opens"):
        WorkingCalendar("UTC", {"mon": []}).add_business_seconds(datetime(2027, 1, 1, tzinfo=UTC), 1)
    with pytest.raises(ValueError, match="naive"):
        MOSCOW.business_seconds(datetime(2027, 1, 1), datetime(2027, 1, 2))


@pytest.mark.parametrize(("hours", "message"), [
    ({"mon": [["9:00", "18:00"]]}, "HH:MM"),
    ({"mon": [["09:00", "24:30"]]}, "HH:MM"),
    ({"mon": [["18:00", "09:00"]]}, "end after it starts"),
    ({"mon": [["09:00", "09:00"]]}, "end after it starts"),
    ({"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}, "overlap"),
    ({"monday": [["09:00", "18:00"]]}, "unknown weekday"),
    ({"mon": [["09:00"]]}, "pair"),
    ({"mon": "09:00-18:00"}, "pairs"),
])
def test_invalid_hours_are_rejected(hours: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingCalendar("Europe/Moscow", hours)  # type: ignore[arg-type]


def test_unknown_zone_and_country_are_rejected() -> None:
    with pytest.raises(ValueError, match="time zone"):
        WorkingCalendar("Mars/Olympus")
    with pytest.raises(ValueError, match="country"):
        WorkingCalendar("UTC", {}, "XX")


def test_touching_spans_and_24_00_are_accepted() -> None:
    calendar = WorkingCalendar("UTC", {"mon": [["12:00", "24:00"], ["09:00", "12:00"]]})
    assert calendar.working_spans(date(2027, 3, 1)) == ((9 * H, 12 * H), (12 * H, 24 * H))


def test_vectorised_handles_nulls_units_and_expressions() -> None:
    starts = pl.Series([datetime(2027, 3, 5, 14), None], dtype=pl.Datetime("ns", "UTC"))
    ends = pl.Series([datetime(2027, 3, 9, 7), datetime(2027, 3, 9, 7)], dtype=pl.Datetime("us"))  # naive = UTC
    assert business_seconds_between(MOSCOW, starts, ends).to_list() == [2 * H, None]
    frame = pl.DataFrame({"a": starts, "b": ends}).with_columns(
        s=business_seconds_expr(MOSCOW, pl.col("a"), pl.col("b")))
    assert frame["s"].to_list() == [2 * H, None]
    assert cumulative_business_seconds(MOSCOW, pl.Series([], dtype=pl.Datetime("us", "UTC"))).len() == 0


CALENDARS = [
    MOSCOW,
    WorkingCalendar("Europe/Moscow", {"mon": [["08:00", "12:30"], ["13:15", "20:00"]], "sat": [["10:00", "14:00"]]},
                    "RU", extra_holidays={date(2027, 6, 1)}),
    WorkingCalendar("Europe/Dublin", {"sun": [["00:30", "01:30"], ["01:30", "03:00"]], "wed": [["00:00", "24:00"]],
                                      "fri": [["01:00", "02:00"], ["17:00", "23:59"]]}, "IE"),
    WorkingCalendar("Europe/Dublin", {}, "IE"),
    WorkingCalendar("America/Santiago", {"sat": [["00:00", "06:00"]], "sun": [["00:00", "03:00"]]}, "CL"),
]
MOMENTS = st.datetimes(min_value=datetime(2026, 9, 1), max_value=datetime(2028, 5, 1), timezones=st.just(UTC))


@settings(max_examples=60, deadline=None)
@given(calendar=st.sampled_from(CALENDARS), pairs=st.lists(st.tuples(MOMENTS, MOMENTS), min_size=1, max_size=12))
def test_vectorised_business_seconds_equal_the_pure_ones(calendar: WorkingCalendar,
                                                         pairs: list[tuple[datetime, datetime]]) -> None:
    starts = pl.Series([start for start, _ in pairs], dtype=pl.Datetime("us", "UTC"))
    ends = pl.Series([end for _, end in pairs], dtype=pl.Datetime("us", "UTC"))
    expected = [calendar.business_seconds(start, end) for start, end in pairs]
    assert business_seconds_between(calendar, starts, ends).to_list() == expected
    cumulative = cumulative_business_seconds(calendar, starts).to_list()
    assert cumulative[-1] - cumulative[0] == pytest.approx(calendar.business_seconds(pairs[0][0], pairs[-1][0]))


def test_business_time_over_a_timedelta_is_never_more_than_elapsed() -> None:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    assert MOSCOW.business_seconds(start, start + timedelta(days=30)) <= 30 * 86_400


# --- a site's calendar: its country's holidays + its days off − its working days ---------------------------


def test_a_sites_day_off_closes_a_working_day_and_its_working_day_opens_a_saturday() -> None:
    plain = site_calendar("Europe/Moscow", WEEKDAYS_9_18, "RU")
    tatarstan = site_calendar("Europe/Moscow", WEEKDAYS_9_18, "RU",
                              [(date(2027, 8, 30), DAY_OFF), (date(2027, 8, 28), WORKING_DAY)])
    assert plain.is_working_day(date(2027, 8, 30)) and not tatarstan.is_working_day(date(2027, 8, 30))  # Monday
    assert not plain.is_working_day(date(2027, 8, 28))  # a Saturday
    assert tatarstan.working_spans(date(2027, 8, 28)) == ((9 * H, 18 * H),)
    # a working day also overrides the country's holiday, a day off the country's transferred working Saturday
    overrides = site_calendar("Europe/Moscow", WEEKDAYS_9_18, "RU",
                              [(date(2027, 6, 14), WORKING_DAY), (date(2027, 2, 20), DAY_OFF)])
    assert overrides.is_working_day(date(2027, 6, 14)) and not overrides.is_working_day(date(2027, 2, 20))
    assert MOSCOW.is_working_day(date(2027, 2, 20)) and not MOSCOW.is_working_day(date(2027, 6, 14))
    assert plain == MOSCOW


def test_business_time_across_a_sites_days_off_and_working_days() -> None:
    friday_5pm, monday_10am = datetime(2027, 8, 27, 17, tzinfo=MSK), datetime(2027, 8, 30, 10, tzinfo=MSK)
    plain = site_calendar("Europe/Moscow", WEEKDAYS_9_18, "RU")
    assert plain.business_seconds(friday_5pm, monday_10am) == 2 * H  # Fri 17–18, Mon 09–10
    worked_saturday = site_calendar("Europe/Moscow", WEEKDAYS_9_18, "RU", [(date(2027, 8, 28), WORKING_DAY)])
    assert worked_saturday.business_seconds(friday_5pm, monday_10am) == 11 * H  # + Sat 09–18
    closed_monday = site_calendar("Europe/Moscow", WEEKDAYS_9_18, "RU",
                                  [(date(2027, 8, 28), WORKING_DAY), (date(2027, 8, 30), DAY_OFF)])
    assert closed_monday.business_seconds(friday_5pm, monday_10am) == 10 * H  # Fri 17–18 + Sat
    assert closed_monday.add_business_seconds(friday_5pm, 11 * H) == datetime(2027, 8, 31, 10, tzinfo=MSK)
    assert closed_monday.add_working_days(date(2027, 8, 27), 2) == date(2027, 8, 31)  # Sat, then Tue
    frame = pl.DataFrame({"start": [friday_5pm], "end": [monday_10am]},
                         schema={"start": pl.Datetime("us", "UTC"), "end": pl.Datetime("us", "UTC")})
    assert business_seconds_between(closed_monday, frame["start"], frame["end"]).to_list() == [10 * H]
    always = site_calendar("Europe/Moscow", {}, "RU", [(date(2027, 8, 28), DAY_OFF)])
    assert always.business_seconds(friday_5pm, monday_10am) == (7 + 24 + 10) * H  # 24/7 less the day off
    with pytest.raises(ValueError, match="unknown calendar day kind"):
        site_calendar("Europe/Moscow", WEEKDAYS_9_18, "RU", [(date(2027, 8, 28), "holiday")])
    with pytest.raises(ValueError, match="both"):
        site_calendar("UTC", {}, None, [(date(2027, 1, 1), DAY_OFF), (date(2027, 1, 1), WORKING_DAY)])
