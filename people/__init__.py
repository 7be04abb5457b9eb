"""People: what we know about a student beyond the login (the institution's student id)."""
