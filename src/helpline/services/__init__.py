"""Use cases. Each runs in one unit of work, which is the only place that commits."""
