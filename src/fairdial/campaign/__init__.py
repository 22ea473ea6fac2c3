"""Campaigns: whom to call and when, the dialler's lines, and the records every call leaves."""
