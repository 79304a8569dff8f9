"""Telephony adapters: the live tail of an Asterisk queue_log file."""
