"""Where the KPI engine's frames come from: the database, or a Parquet export of the event log."""
