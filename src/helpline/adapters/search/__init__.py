"""Text search of the help section: normalising text into index terms (pure, no database)."""
