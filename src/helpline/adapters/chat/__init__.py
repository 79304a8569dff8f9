"""Web chat's push side: the visitors connected to this process and what changed in their chats."""
