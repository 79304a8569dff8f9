"""Case clocks: first response, final resolution and first-contact resolution (FCR), one row per case.

Pure Polars (joins and group_by, no row loop).

events: type, occurred_at (UTC), case_id, interaction_id, direction ("in"/"out", on `received`),
        status_to (the `to` of `case_status_changed`, else null)
cases:  case_id, customer_id, topic

Definitions (events are ordered by occurred_at, ties by their order in the frame):

- opened_at: the case's (earliest) `case_opened`; one output row per case that has one, sorted by case_id.
- first_response_at: the first `answered` of the case at or after opened_at.
- resolved_at: the final resolution. A case is resolved when its last status change goes to resolved or closed;
  resolved_at is then the *first* change into resolved/closed after the last change to any other status (a
  reopen), i.e. when the final resolved/closed run began: open → resolved → closed is resolved when it became
  resolved, not when it was (administratively) closed; resolved → open → resolved is resolved the second time.
- first_response_s, resolution_s: calendar seconds from opened_at (Float64).
- fcr: null when unresolved; else true unless the customer came back between the case's first contact and
  `window` after resolved_at (both ends inclusive): an inbound `received` (direction "in") of an interaction
  other than the case's first one, on the same case, or on another case with the same customer_id and topic
  (null customer or topic: the same case only). The first contact is the earlier of opened_at and the case's
  first `received` (of either direction), and that `received`'s interaction is the first one.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

TERMINAL_STATUSES = ("resolved", "closed")
OUTPUT_COLUMNS = ("case_id", "opened_at", "first_response_at", "resolved_at", "first_response_s", "resolution_s",
                  "fcr")


def case_clocks(events: pl.DataFrame, cases: pl.DataFrame, window: timedelta = timedelta(days=1)) -> pl.DataFrame:
    if window < timedelta():
        raise ValueError("window must not be negative")
    ev = (events.select("type", "occurred_at", "case_id", "interaction_id", "direction", "status_to")
          .filter(pl.col("case_id").is_not_null())
          .with_row_index("seq").sort("occurred_at", "seq").drop("seq").with_row_index("seq"))

    def of_type(name: str) -> pl.DataFrame:
        return ev.filter(pl.col("type") == name)

    opened = of_type("case_opened").group_by("case_id").agg(opened_at=pl.col("occurred_at").min())

    first_response = (opened.join(of_type("answered").select("case_id", "occurred_at"), on="case_id")
                      .filter(pl.col("occurred_at") >= pl.col("opened_at"))
                      .group_by("case_id").agg(first_response_at=pl.col("occurred_at").min()))

    changes = of_type("case_status_changed").filter(pl.col("status_to").is_not_null())
    terminal = pl.col("status_to").is_in(TERMINAL_STATUSES)
    last_reopen = changes.filter(~terminal).group_by("case_id").agg(last_reopen=pl.col("seq").max())
    resolved = (changes.filter(terminal).join(last_reopen, on="case_id", how="left")
                .filter(pl.col("last_reopen").is_null() | (pl.col("seq") > pl.col("last_reopen")))
                .group_by("case_id").agg(resolved_at=pl.col("occurred_at").min()))

    first_received = (of_type("received").sort("seq").group_by("case_id", maintain_order=True)
                      .agg(first_received_at=pl.col("occurred_at").first(),
                           first_interaction_id=pl.col("interaction_id").first()))

    clocks = (opened.join(first_response, on="case_id", how="left")
              .join(resolved, on="case_id", how="left")
              .join(first_received, on="case_id", how="left")
              .join(cases.select("case_id", "customer_id", "topic").unique("case_id", keep="first"),
                    on="case_id", how="left")
              .with_columns(first_contact_at=pl.min_horizontal("opened_at", "first_received_at"),
                            until=pl.col("resolved_at") + window))

    repeated = _repeated(clocks.filter(pl.col("resolved_at").is_not_null()), ev, cases)
    return (clocks.join(repeated, on="case_id", how="left")
            .with_columns(first_response_s=_seconds(pl.col("first_response_at") - pl.col("opened_at")),
                          resolution_s=_seconds(pl.col("resolved_at") - pl.col("opened_at")),
                          fcr=pl.when(pl.col("resolved_at").is_null()).then(None)
                          .otherwise(~pl.col("repeated").fill_null(False)))
            .select(OUTPUT_COLUMNS).sort("case_id"))


def _repeated(resolved: pl.DataFrame, ev: pl.DataFrame, cases: pl.DataFrame) -> pl.DataFrame:
    """case_id, repeated (true) of the resolved cases the customer contacted again within their FCR span."""
    inbound = (ev.filter((pl.col("type") == "received") & (pl.col("direction") == "in"))
               .select(contact_case="case_id", contact_interaction="interaction_id", contact_at="occurred_at")
               .join(cases.select(contact_case="case_id", customer_id="customer_id", topic="topic")
                     .unique("contact_case", keep="first"), on="contact_case", how="left"))
    span = resolved.select("case_id", "customer_id", "topic", "first_contact_at", "first_interaction_id", "until")
    same_case = span.join(inbound.drop("customer_id", "topic"), left_on="case_id", right_on="contact_case")
    other_case = (span.join(inbound, on=["customer_id", "topic"])  # null keys never match
                  .filter(pl.col("contact_case") != pl.col("case_id")).drop("contact_case"))
    return (pl.concat([same_case, other_case], how="diagonal_relaxed")
            .filter(pl.col("contact_interaction").ne_missing(pl.col("first_interaction_id")),
                    pl.col("contact_at").is_between(pl.col("first_contact_at"), pl.col("until")))
            .select("case_id").unique().with_columns(repeated=pl.lit(True)))


def _seconds(duration: pl.Expr) -> pl.Expr:
    microseconds = duration.dt.total_microseconds()  # whole seconds exactly (a scalar division multiplies by 1e-6)
    return (microseconds // 1_000_000).cast(pl.Float64) + (microseconds % 1_000_000) / 1e6
