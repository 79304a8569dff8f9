"""Pure contact-centre rules: vocabulary, state machines, permissions. No framework or database imports."""
