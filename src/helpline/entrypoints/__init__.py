"""Ways into Helpline: REST API, web pages, CLI."""
