"""Importers of historical contact-centre data (Asterisk queue_log, the anonymous bank data set, a mapped CSV).

Parsers here are pure (text → typed records); `calls.py` and `presence.py` turn records into the same
interactions and events live operation writes; `directory.py` and `writer.py` are the database side.
The use cases that tie them together are in `helpline.services.imports`."""
