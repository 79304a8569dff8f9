"""Workforce planning: Erlang B/C/A staffing, volume forecasts, shift schedules, and the simulation of the
real routing engine. Pure engines (no framework or database imports; tests/test_domain.py enforces it):
services/ reads the history and writes the plans, entrypoints/ offers them as commands."""
