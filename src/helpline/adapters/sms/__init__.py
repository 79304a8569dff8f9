"""SMS adapters: a generic HTTP gateway and an SMPP 3.4 centre."""
