"""The e-mail channel's protocol adapters: MIME parsing, loop detection, SMTP in and out, IMAP polling."""
