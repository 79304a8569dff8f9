"""What every channel shares: the inbox (stored before processing), the outbox (retries, receipts,
consent), channel health, and message templates in the customer's language."""
