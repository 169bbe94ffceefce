"""Importing legacy escalation trackers (CSV, XLSX, JSON): all or nothing, fast, audited."""
