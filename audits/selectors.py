"""Reads for the audit pages: findings by clause and severity, the boards."""

from collections import OrderedDict

from django.db.models import Prefetch
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


def board(queryset, today=None):
    """Corrective actions split into the board's columns, with their counts. Each action is
    in one column: waiting for verification and verified first, then overdue, then open."""
    today = today or timezone.localdate()
    rows = list(queryset)
    columns = {key: [] for key, _label in BOARD_COLUMNS}
    for action in rows:
        if action.status == ActionStatus.VERIFIED:
            columns["verified"].append(action)
        elif action.status == ActionStatus.SUBMITTED:
            columns["submitted"].append(action)
        elif action.is_overdue(today):
            columns["overdue"].append(action)
        else:
            columns["open"].append(action)
    return [(key, label, len(columns[key]), columns[key]) for key, label in BOARD_COLUMNS]
