"""Who sees report jobs: a report is its requester's alone.

Nobody else sees the row, its progress, its error or its file, whatever they may see of the
subject: the PDF holds what its requester may see, which may be more than another user may
(a facilitator's PDF of a pilot) or less. Facilitators therefore do not see customers'
reports, and a file made for one requester is never served to, or reused for, another.
"""

from csrplatform.access import rule

from .models import Report


@rule(Report)
def report_rule(actor, qs, action):
    """Viewing, retrying and downloading: the requester only."""
    return qs.filter(requested_by_id=actor.user_id)
