"""Everything that talks to the outside world: database, channels, importers."""
