"""Courses and their people: courses, memberships, rosters and join codes, accounts and sign-in."""
