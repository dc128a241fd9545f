"""Reads for the audit pages: findings by clause and severity, the boards."""

from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from pilots.models import Pilot

from .choices import SEVERITY_RANK, ActionStatus, Severity
from .models import Audit, Clause, CorrectiveAction, Finding

BOARD_COLUMNS = (
    ("open", gettext_lazy("Open")),
    ("overdue", gettext_lazy("Overdue")),
    ("submitted", gettext_lazy("Waiting for verification")),
    ("verified", gettext_lazy("Verified")),
)


def audit_findings(audit: Audit, user):
    """The audit's findings with their clauses and actions, grouped by the audit standard's
    clause, then by severity (critical first)."""
    actions = CorrectiveAction.objects.visible_to(user).select_related("owner")
    findings = list(
        audit.findings.prefetch_related(
            Prefetch("clauses", queryset=Clause.objects.select_related("standard")),
            Prefetch("corrective_actions", queryset=actions),
            Prefetch("pilots", queryset=Pilot.objects.visible_to(user)),
        )
    )
    history: dict = {}
    for record in (
        Finding.history.filter(id__in=[f.pk for f in findings])
        .select_related("history_user")
        .order_by("-history_date")
    ):
        history.setdefault(record.id, []).append(record)
    for finding in findings:
        finding.changes = history.get(finding.pk, [])
    groups: OrderedDict = OrderedDict()
    for finding in sorted(findings, key=lambda f: SEVERITY_RANK[f.severity]):
        own = [c for c in finding.clauses.all() if c.standard_id == audit.standard_id]
        key = own[0] if own else None
        groups.setdefault(key, {severity: [] for severity in Severity.values})
        groups[key][finding.severity].append(finding)
    ordered = sorted(
        groups.items(), key=lambda item: (item[0] is None, item[0].reference if item[0] else "")
    )
    return findings, [
        {
            "clause": clause,
            "by_severity": [
                (Severity(sev).label, sev, found) for sev, found in by_severity.items() if found
            ],
        }
        for clause, by_severity in ordered
    ]


#: cards per column and page; a column of thousands is read 25 at a time ("More")
BOARD_PAGE_SIZE = 25


def board_column_conditions(today) -> dict:
    """Which actions each column holds; each action is in one column: waiting for verification
    and verified by status, the rest overdue or open by the due date."""
    waiting = Q(status__in=(ActionStatus.OPEN, ActionStatus.IN_PROGRESS))
    return {
        "open": waiting & Q(due_date__gte=today),
        "overdue": waiting & Q(due_date__lt=today),
        "submitted": Q(status=ActionStatus.SUBMITTED),
        "verified": Q(status=ActionStatus.VERIFIED),
    }


# Soonest due first where something is to be done; the latest first once verified.
BOARD_ORDER = {
    "open": ("due_date", "pk"),
    "overdue": ("due_date", "pk"),
    "submitted": ("due_date", "pk"),
    "verified": ("-due_date", "-pk"),
}


# A column counts its actions up to this many, then says "100+": no count over every visible
# action (a facilitator's 100,000) on each request.
BOARD_COUNT_LIMIT = 100


@dataclass
class BoardColumn:
    key: str
    label: str
    count: int
    actions: list
    page: int
    per_page: int
    capped: bool = False  # there are more than `count`

    def __iter__(self):  # unpacks as (key, label, count, actions)
        return iter((self.key, self.label, self.count, self.actions))

    @property
    def count_text(self) -> str:
        return f"{self.count}+" if self.capped else str(self.count)

    @property
    def shown(self) -> int:
        """How many cards this page and the ones before it show."""
        return min(self.count, self.page * self.per_page)

    @property
    def has_more(self) -> bool:
        return self.capped or self.shown < self.count

    @property
    def remaining(self) -> int:
        return self.count - self.shown


def board(queryset, today=None, *, pages=None, only=None, per_page=BOARD_PAGE_SIZE):
    """The corrective-action board: for each column, the ids of its actions up to this page
    and at least `BOARD_COUNT_LIMIT` (one narrow query per column, which counts them too),
    then the page's cards with their audit, supplier and owner (one query): five queries
    whatever the number of actions. `queryset` is the scoped, filtered actions; `pages` maps
    a column to its page number (1 when absent); `only` limits the columns read to one."""
    today = today or timezone.localdate()
    pages = pages or {}
    conditions = board_column_conditions(today)
    # Ids first, wide rows after: joined before LIMIT, the audit, facility and supplier
    # columns of every matching action would be read to show 25 of them. (One query numbering
    # the actions per column with a window was tried: it sorts every visible action twice and
    # took 0.7 s for a facilitator's 50,000, against 4 x 40 ms for these.)
    page_ids, counts = {}, {}
    for key, _label in BOARD_COLUMNS:
        if only in (None, key):
            start = (max(1, pages.get(key, 1)) - 1) * per_page
            limit = max(start + per_page, BOARD_COUNT_LIMIT)
            ids = list(
                queryset.filter(conditions[key])
                .order_by(*BOARD_ORDER[key])
                .values_list("pk", flat=True)[: limit + 1]
            )
            page_ids[key] = ids[start : start + per_page]
            counts[key] = (min(len(ids), limit), len(ids) > limit)
    wanted = [pk for ids in page_ids.values() for pk in ids]
    rows = (
        {a.pk: a for a in CorrectiveAction.objects.with_list_related().filter(pk__in=wanted)}
        if wanted
        else {}
    )
    return [
        BoardColumn(
            key,
            label,
            counts.get(key, (0, False))[0],
            [rows[pk] for pk in page_ids.get(key, []) if pk in rows],
            max(1, pages.get(key, 1)),
            per_page,
            capped=counts.get(key, (0, False))[1],
        )
        for key, label in BOARD_COLUMNS
    ]


def action_history(action) -> list:
    """The action's history records, newest first, each marked with what its note fields say:
    `progress_changed` when the progress report changed in it, `submission_changed` when a
    submission note was given (the two are kept apart, never one replacing the other)."""
    records = list(action.history.select_related("history_user").order_by("-history_date"))
    for record, older in zip(records, [*records[1:], None], strict=True):
        record.progress_changed = bool(record.progress_note) and (
            older is None or older.progress_note != record.progress_note
        )
        record.submission_changed = (
            record.status == ActionStatus.SUBMITTED
            and bool(record.submission_note)
            and (older is None or older.status != record.status)
        )
    return records


def assessable_pilots(user):
    """The pilots `user` may record an NGO assessment of: those a civil-society organisation
    it writes for takes part in (invitation accepted). See audits.services.audit_save."""
    from csrplatform import access
    from pilots.choices import InvitationStatus

    writable = access.actor_for(user).orgs_of_kind("civil_society", writable=True)
    if not writable:
        return Pilot.objects.none()
    return Pilot.objects.filter(
        participants__organisation_id__in=writable,
        participants__invitation_status=InvitationStatus.ACCEPTED,
    ).distinct()


def may_record_audit(user) -> bool:
    """Facilitator editors record audits; NGOs and consultants their assessments."""
    from csrplatform import access

    return access.actor_for(user).is_facilitator_editor or assessable_pilots(user).exists()
