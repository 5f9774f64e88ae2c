"""The LINE Messaging API channel: signed webhooks in, answers and hand-off replies out."""
