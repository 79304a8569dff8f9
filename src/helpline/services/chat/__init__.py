"""Web chat: visitors on the insurer's site read help articles, then talk to an agent (docs/channels/chat.md)."""
