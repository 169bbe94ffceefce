"""Telling the right people: recipients, templates, the outbox and its delivery."""
