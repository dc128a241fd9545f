"""FilterSets of audits, findings and corrective actions, shared by the pages and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from csrplatform import access
from csrplatform.filters import ObjectIdFilter, ScopedFilterSet
from csrplatform.widgets import Lookup, SearchSelect, register_lookup
from suppliers.models import Facility, Organisation, Supplier

from .choices import ActionStatus, AuditKind, Severity
from .models import Audit, Clause, CorrectiveAction, Finding, Standard

DATE = {"type": "date"}


def _audit_label(audit):
    return (
        f"{audit.facility.supplier.organisation.name} · {audit.facility.name} · "
        f"{audit.get_kind_display()} {audit.start_date:%Y-%m-%d}"
    )


# Search-as-you-type choices (the supplier, facility and customer ones are the directory's).
register_lookup(
    "clauses",
    Lookup(
        queryset=Clause.objects.all,
        search_fields=("reference", "title", "topic", "standard__code", "standard__name"),
        label=str,
        select_related=("standard",),
        order_by=("standard__code", "reference", "pk"),
    ),
)
_AUDIT_LOOKUP = {
    "queryset": Audit.objects.all,
    "search_fields": ("facility__name", "facility__supplier__organisation__name", "audit_firm"),
    "label": _audit_label,
    "select_related": ("facility__supplier__organisation",),
    "order_by": ("-start_date", "pk"),
}
register_lookup("audits", Lookup(**_AUDIT_LOOKUP))
# The import page offers only the audits the user may add findings to.
register_lookup("audits-editable", Lookup(**_AUDIT_LOOKUP, action=access.EDIT))


def _customer_filter(prefix=""):
    """Audits commissioned by the customer, or shared with it (and not withdrawn)."""

    def method(queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            Q(**{f"{prefix}commissioned_by": value})
            | Q(
                **{
                    f"{prefix}shares__customer": value,
                    f"{prefix}shares__withdrawn_at__isnull": True,
                }
            )
        ).distinct()

    return method


class AuditFilterSet(ScopedFilterSet):
    search_fields = (
        "summary",
        "audit_firm",
        "facility__name",
        "facility__supplier__organisation__name",
    )

    supplier = django_filters.ModelChoiceFilter(
        field_name="facility__supplier",
        queryset=Supplier.objects.all(),
        label=_("Supplier"),
        widget=SearchSelect("suppliers"),
    )
    facility = django_filters.ModelChoiceFilter(
        queryset=Facility.objects.all(), label=_("Facility"), widget=SearchSelect("facilities")
    )
    customer = ObjectIdFilter(
        queryset=Organisation.objects.customers(),
        method="filter_customer",
        label=_("Customer"),
        widget=SearchSelect("customers"),
    )
    standard = django_filters.ModelChoiceFilter(
        queryset=Standard.objects.all(), label=_("Standard")
    )
    kind = django_filters.ChoiceFilter(choices=AuditKind.choices, label=_("Kind"))
    date_from = django_filters.DateFilter(
        field_name="start_date",
        lookup_expr="gte",
        label=_("From"),
        widget=forms.DateInput(attrs=DATE),
    )
    date_to = django_filters.DateFilter(
        field_name="start_date",
        lookup_expr="lte",
        label=_("To"),
        widget=forms.DateInput(attrs=DATE),
    )

    class Meta:
        model = Audit
        fields = [
            "q",
            "supplier",
            "facility",
            "customer",
            "standard",
            "kind",
            "date_from",
            "date_to",
        ]

    def filter_customer(self, queryset, name, value):
        return _customer_filter()(queryset, name, value)


class FindingFilterSet(ScopedFilterSet):
    search_fields = ("description", "evidence", "root_cause")

    audit = django_filters.ModelChoiceFilter(
        queryset=Audit.objects.all(), widget=SearchSelect("audits")
    )
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    clause = django_filters.ModelChoiceFilter(
        field_name="clauses", queryset=Clause.objects.all(), widget=SearchSelect("clauses")
    )
    supplier = django_filters.ModelChoiceFilter(
        field_name="audit__facility__supplier",
        queryset=Supplier.objects.all(),
        widget=SearchSelect("suppliers"),
    )

    class Meta:
        model = Finding
        fields = ["q", "audit", "severity", "clause", "supplier"]


class CorrectiveActionFilterSet(ScopedFilterSet):
    search_fields = ("action", "preventive_action", "progress_note", "finding__description")

    supplier = django_filters.ModelChoiceFilter(
        field_name="finding__audit__facility__supplier",
        queryset=Supplier.objects.all(),
        label=_("Supplier"),
        widget=SearchSelect("suppliers"),
    )
    customer = ObjectIdFilter(
        queryset=Organisation.objects.customers(),
        method="filter_customer",
        label=_("Customer"),
        widget=SearchSelect("customers"),
    )
    severity = django_filters.ChoiceFilter(
        field_name="finding__severity", choices=Severity.choices, label=_("Severity")
    )
    status = django_filters.MultipleChoiceFilter(choices=ActionStatus.choices, label=_("Status"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    clause = django_filters.ModelChoiceFilter(
        field_name="finding__clauses",
        queryset=Clause.objects.all(),
        label=_("Clause"),
        widget=SearchSelect("clauses"),
    )
    due_from = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label=_("Due from")
    )
    due_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte", label=_("Due to"))

    class Meta:
        model = CorrectiveAction
        fields = [
            "q",
            "supplier",
            "customer",
            "severity",
            "status",
            "overdue",
            "clause",
            "due_from",
            "due_to",
        ]

    def filter_customer(self, queryset, name, value):
        return _customer_filter("finding__audit__")(queryset, name, value)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = ~Q(status=ActionStatus.VERIFIED) & Q(due_date__lt=timezone.localdate())
        return queryset.filter(overdue if value else ~overdue)
