"""Accounts made by a roster before `created_by_course` existed, and old set-password links.

Until now any instructor could download a set-password link for any student of their course
whose password was unusable, including accounts another course's roster made and accounts made
by `createsuperuser --noinput` (issue #12). From now on a link is only for an account that the
course's own roster made (`StudentProfile.created_by_course`). This migration:

- claims for their course the accounts that can only have been made by a roster and are still
  waiting for their first password: unusable password, never logged in, not staff or superuser,
  login equal to the email (the roster's pattern), a student of exactly one course and nothing
  else; their instructors keep getting links for them;
- gives every other account with an unusable password a fresh unusable password, so that any
  link handed out for it before (a token is bound to the password hash) stops working now.
"""

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.db import migrations


def claim_pending_roster_accounts(apps, schema_editor):
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    membership_model = apps.get_model("courses", "Membership")
    profile_model = apps.get_model("courses", "StudentProfile")
    for user in user_model.objects.filter(password__startswith=UNUSABLE_PASSWORD_PREFIX).iterator():
        roles = list(membership_model.objects.filter(user=user).values_list("course_id", "role"))
        pending = (
            user.last_login is None
            and not user.is_staff
            and not user.is_superuser
            and bool(user.email)
            and user.username == user.email.casefold()
            and len(roles) == 1
            and roles[0][1] == "student"
        )
        if pending:
            profile_model.objects.update_or_create(
                user=user, defaults={"created_by_course_id": roles[0][0]}
            )
        else:
            user.password = make_password(None)
            user.save(update_fields=["password"])


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0003_studentprofile_created_by_course"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(claim_pending_roster_accounts, migrations.RunPython.noop),
    ]
