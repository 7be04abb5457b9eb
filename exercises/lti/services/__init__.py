"""Writes of the lti room: registrations and keys, launches, deep links, roster sync, and
the score outbox (passback)."""
