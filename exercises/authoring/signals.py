"""What the authoring room tells the rooms above it, which it may not import (the layers
contract in pyproject.toml): they connect receivers in their AppConfig.ready."""

from django.dispatch import Signal

# A problem set's totals changed with no new answer: an item retired or brought back, added,
# removed, or its points changed. Sent with `problem_set_id` once the change is saved; the LTI
# room sends the new totals to the LMSs that hold scores of the set (exercises/lti/receivers.py).
set_totals_changed = Signal()
