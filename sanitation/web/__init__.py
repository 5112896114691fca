"""Sanitation pages (issue 6): ledgers, inspections on the phone, waste-sorting records."""
