"""Programmes, pilots and their whole story: participants, phases, deliverables, activities,
scope changes, documents and comments."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from csrplatform.access import ScopedQuerySet
from csrplatform.text import shorten
from metrics.models import RequiredMoney

from .choices import (
    HALTED_STATUSES,
    OPEN_STATUSES,
    Achievement,
    ActivityKind,
    Approach,
    DeliverableKind,
    DocumentKind,
    InvitationStatus,
    ParticipantRole,
    PhaseStatus,
    PilotStatus,
    PilotType,
    ScopeChangeStatus,
    SiteRole,
    Visibility,
)
from .querysets import (
    ActivityQuerySet,
    DocumentQuerySet,
    PilotQuerySet,
    PilotRelatedQuerySet,
    ProgrammeQuerySet,
)


class Programme(models.Model):
    """A facilitated set of pilots (e.g. the 2007–2008 Shenzhen ICT programme)."""

    # Unique per facilitator, not across the platform: a facilitator sees only its own
    # programmes, so "this title already exists" must never speak of another's.
    title = models.CharField(_("title"), max_length=200)
    sector = models.CharField(_("sector"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    countries = CountryField(_("countries"), multiple=True, blank=True)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    facilitator = models.ForeignKey(
        "suppliers.Organisation",
        on_delete=models.PROTECT,
        related_name="facilitated_programmes",
        limit_choices_to={"kind": "facilitator"},
        verbose_name=_("facilitator"),
    )
    sponsors = models.ManyToManyField(
        "suppliers.Organisation",
        blank=True,
        related_name="sponsored_programmes",
        verbose_name=_("sponsors"),
    )
    objectives = models.TextField(_("objectives"), blank=True)
    # Expected participants per organisation kind, e.g. {"customer": 4, "supplier": 4}.
    expected_participation = models.JSONField(_("expected participation"), default=dict, blank=True)
    # What a source (an evaluation, a donor report) states of the budget's use, recorded beside
    # the use computed from the spending rows (pilots.budget), never in place of it.
    stated_budget_use_pct = models.DecimalField(
        _("stated budget use (%)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("999.9"))],
    )
    stated_budget_source = models.CharField(
        _("source of the stated budget use"), max_length=300, blank=True
    )

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-start_date", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["facilitator", "title"],
                name="programme_unique_title_per_facilitator",
                violation_error_message=_(
                    "Your organisation already runs a programme of this title."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("pilots:programme_detail", args=[self.pk])


class Pilot(models.Model):
    """One capability-building pilot at one supplier, and its story."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="pilots", verbose_name=_("programme")
    )
    title = models.CharField(_("title"), max_length=200)
    pilot_type = models.CharField(_("type"), max_length=30, choices=PilotType.choices)
    approach = models.CharField(
        _("capability-building approach"), max_length=30, choices=Approach.choices
    )
    supplier = models.ForeignKey(
        "suppliers.Supplier",
        on_delete=models.PROTECT,
        related_name="pilots",
        verbose_name=_("supplier"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PilotStatus.choices, default=PilotStatus.PROPOSED
    )
    context = models.TextField(_("context"), blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    success_factors = models.TextField(_("success factors"), blank=True)
    challenges = models.TextField(_("challenges"), blank=True)
    outcomes = models.TextField(_("outcomes"), blank=True)
    capability_improvements = models.TextField(_("capability improvements"), blank=True)
    participation_outcomes = models.TextField(_("participation outcomes"), blank=True)
    implications = models.TextField(_("implications for future activities"), blank=True)
    # The three pilot metrics of seeds/000.
    objectives_achievement = models.CharField(
        _("achievement of objectives"), max_length=20, choices=Achievement.choices, blank=True
    )
    objectives_achievement_why = models.TextField(_("why"), blank=True)
    long_term_change = models.TextField(_("capabilities to initiate long-term change"), blank=True)
    continuation = models.TextField(_("continuation"), blank=True)
    # Optimistic locking: a save based on an older version is refused, not silently applied.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PilotQuerySet.as_manager()

    class Meta:
        verbose_name = _("pilot")
        verbose_name_plural = _("pilots")
        ordering = ["programme", "title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "title"],
                name="pilot_unique_title_in_programme",
                violation_error_message=_("This programme already has a pilot of this title."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("pilots:pilot_detail", args=[self.pk])

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @cached_property
    def site_list(self) -> list:
        return list(self.sites.select_related("facility"))

    @cached_property
    def covered_supplier_ids(self) -> frozenset:
        """Its own supplier and the suppliers of its sites, comparison group included: the
        suppliers whose figures it may hold."""
        return frozenset({self.supplier_id, *(site.supplier_id for site in self.site_list)})


class PilotParticipant(models.Model):
    """An organisation invited to a pilot, in a role; a declined invitation is kept."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="participants")
    organisation = models.ForeignKey(
        "suppliers.Organisation",
        on_delete=models.PROTECT,
        related_name="pilot_participations",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=30, choices=ParticipantRole.choices)
    invitation_status = models.CharField(
        _("invitation"),
        max_length=20,
        choices=InvitationStatus.choices,
        default=InvitationStatus.INVITED,
    )
    invited_on = models.DateField(_("invited on"), null=True, blank=True)
    responded_on = models.DateField(_("responded on"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    agreement_required = models.BooleanField(
        _("must agree to each phase"),
        default=True,
        help_text=_("Phases start only after every participant marked here has agreed."),
    )

    objects = PilotRelatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["pilot", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pilot", "organisation"],
                name="participant_unique_per_pilot",
                violation_error_message=_("This organisation is already a participant."),
            ),
        ]

    def __str__(self):
        return f"{self.organisation} ({self.get_role_display()})"

    @property
    def is_active(self):
        return self.invitation_status != InvitationStatus.DECLINED


class PilotStatusChange(models.Model):
    """One move of a pilot's status: who, when, why."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=PilotStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=PilotStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    # When it happened in the programme (may be in the past, for recorded history).
    effective_on = models.DateField(default=date.today)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = PilotRelatedQuerySet.as_manager()

    class Meta:
        ordering = ["effective_on", "recorded_at", "id"]

    def __str__(self):
        return f"{self.pilot}: {self.from_status or '—'} → {self.to_status}"


class Phase(models.Model):
    """An ordered stage of a pilot; it starts only after every required participant agreed."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    objectives = models.TextField(_("objectives"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PhaseStatus.choices, default=PhaseStatus.PLANNED
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)

    objects = PilotRelatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["pilot", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["pilot", "number"],
                name="phase_unique_number",
                violation_error_message=_("This pilot already has a phase with this number."),
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    def get_absolute_url(self):
        return f"{self.pilot.get_absolute_url()}#phase-{self.pk}"

    def is_start_late(self, today: date | None = None) -> bool:
        """Started after its planned start, or not started and the planned start has passed.
        A phase of a stalled or discontinued pilot that never started is not late: it will not
        start at all (seeds/000: the hotline pilot's phases after scoping)."""
        if self.planned_start is None:
            return False
        if self.actual_start is not None:
            return self.actual_start > self.planned_start
        if self.pilot.status in HALTED_STATUSES:
            return False
        return self.planned_start < (today or date.today())


class Deliverable(models.Model):
    """Something a pilot must produce by a date (site visit report, proposal...)."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="deliverables")
    phase = models.ForeignKey(
        Phase,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliverables",
        verbose_name=_("phase"),
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=30, choices=DeliverableKind.choices, default=DeliverableKind.OTHER
    )
    responsible = models.ForeignKey(
        "suppliers.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible"),
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = PilotRelatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")
        ordering = ["pilot", "due_date", "id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"{self.pilot.get_absolute_url()}#deliverable-{self.pk}"

    def days_late(self, today: date | None = None) -> int:
        """Days past due: until delivered, or by how much it was delivered late. What a stalled
        or discontinued pilot never delivered is not late."""
        if self.due_date is None:
            return 0
        if self.delivered_on is None and self.pilot.status in HALTED_STATUSES:
            return 0  # a stalled or discontinued pilot no longer owes it
        end = self.delivered_on or today or date.today()
        return max((end - self.due_date).days, 0)

    @property
    def is_late(self) -> bool:
        return self.days_late() > 0


class Activity(models.Model):
    """A meeting, site visit, call or training, with the effort it took."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="activities")
    phase = models.ForeignKey(
        Phase,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("phase"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    participants = models.ManyToManyField(
        "suppliers.Organisation", blank=True, related_name="+", verbose_name=_("participants")
    )
    person_days = models.DecimalField(
        _("person-days"), max_digits=7, decimal_places=2, null=True, blank=True
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["pilot", "date", "id"]

    def __str__(self):
        return f"{self.date} {self.title}"

    def get_absolute_url(self):
        return f"{self.pilot.get_absolute_url()}#activity-{self.pk}"


class ScopeChange(models.Model):
    """A change to what a pilot covers: proposed by someone, then accepted or declined."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="scope_changes")
    proposed_on = models.DateField(_("proposed on"))
    proposed_by = models.ForeignKey(
        "suppliers.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    description = models.TextField(_("what changes"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ScopeChangeStatus.choices,
        default=ScopeChangeStatus.PROPOSED,
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = PilotRelatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("scope change")
        verbose_name_plural = _("scope changes")
        ordering = ["pilot", "proposed_on", "id"]

    def __str__(self):
        return shorten(self.description, 60)

    def get_absolute_url(self):
        return f"{self.pilot.get_absolute_url()}#scope-{self.pk}"


class PilotSiteQuerySet(PilotRelatedQuerySet):
    def taking_part(self):
        return self.filter(role=SiteRole.PARTICIPANT)


class PilotSite(models.Model):
    """A supplier, or one of its facilities, that a pilot covers (from when it joined to when
    it left), or that a pilot compares its participants with.

    A pilot without sites covers its own supplier. A facility holds one role per pilot, so
    it is never both a participant and a comparison for the same indicator."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="sites")
    supplier = models.ForeignKey(
        "suppliers.Supplier",
        on_delete=models.PROTECT,
        related_name="pilot_sites",
        verbose_name=_("supplier"),
    )
    facility = models.ForeignKey(
        "suppliers.Facility",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pilot_sites",
        verbose_name=_("facility"),
        help_text=_("Left empty: the supplier as a whole."),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=SiteRole.choices, default=SiteRole.PARTICIPANT
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    headcount = models.PositiveIntegerField(
        _("headcount"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Workers covered; weights the indicators rolled up by headcount."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = PilotSiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["pilot", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pilot", "facility"],
                condition=models.Q(facility__isnull=False),
                name="pilot_site_facility_once",
                violation_error_message=_(
                    "This facility already has a role in this pilot: a facility is either "
                    "taking part or in the comparison group, once."
                ),
            ),
            models.UniqueConstraint(
                fields=["pilot", "supplier"],
                condition=models.Q(facility__isnull=True),
                name="pilot_site_supplier_once",
                violation_error_message=_(
                    "This supplier already has a role in this pilot as a whole."
                ),
            ),
        ]

    def __str__(self):
        where = self.facility.name if self.facility_id else str(self.supplier)
        return f"{where} ({self.get_role_display()})"

    def get_absolute_url(self):
        return f"{self.pilot.get_absolute_url()}#site-{self.pk}"

    def clean(self):
        errors = {}
        if self.facility_id and self.supplier_id and self.facility.supplier_id != self.supplier_id:
            errors["facility"] = _("Choose one of this supplier's facilities.")
        if self.joined_on and self.left_on and self.left_on < self.joined_on:
            errors["left_on"] = _("A site cannot leave before it joined.")
        if errors:
            raise ValidationError(errors)

    @property
    def weight(self) -> int | None:
        """Workers covered: as stated here, else the facility's workforce."""
        if self.headcount:
            return self.headcount
        return self.facility.workers if self.facility_id else None

    def covers(self, period_start: date, period_end: date, *, baseline: bool = False) -> bool:
        """Whether the site's figures for a period count: an actual figure for a period wholly
        within its participation; a baseline for a period that began before it joined."""
        if baseline:
            return not self.joined_on or period_start < self.joined_on
        if self.joined_on and period_start < self.joined_on:
            return False
        return not self.left_on or period_end <= self.left_on


def document_upload_to(instance, filename):
    # The stored name is random; the original name is kept in the row only.
    return f"documents/{instance.storage_key[:2]}/{instance.storage_key}"


class Document(models.Model):
    """An uploaded file on a pilot (or one of its phases or deliverables), or evidence on a
    corrective action; never overwritten."""

    pilot = models.ForeignKey(
        Pilot, on_delete=models.CASCADE, related_name="documents", null=True, blank=True
    )
    corrective_action = models.ForeignKey(
        "audits.CorrectiveAction",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("corrective action"),
    )
    phase = models.ForeignKey(
        Phase,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("phase"),
    )
    deliverable = models.ForeignKey(
        Deliverable,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("deliverable"),
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=30, choices=DocumentKind.choices, default=DocumentKind.OTHER
    )
    visibility = models.CharField(
        _("visible to"),
        max_length=30,
        choices=Visibility.choices,
        default=Visibility.ALL_PARTICIPANTS,
    )
    file = models.FileField(upload_to=document_upload_to, max_length=200)
    storage_key = models.CharField(max_length=64, unique=True, editable=False)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    # Versions of one document share the first version as their root.
    root = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="later_versions"
    )
    version = models.PositiveIntegerField(default=1)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_for = models.ForeignKey(
        "suppliers.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded for"),
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["pilot", "-uploaded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["root", "version"], name="document_unique_version"),
            models.CheckConstraint(
                condition=models.Q(pilot__isnull=False, corrective_action__isnull=True)
                | models.Q(pilot__isnull=True, corrective_action__isnull=False),
                name="document_on_a_pilot_or_an_action",
            ),
        ]

    def __str__(self):
        return f"{self.title} (v{self.version})"

    def get_absolute_url(self):
        return reverse("pilots:document_download", args=[self.pk])


class Comment(models.Model):
    """A participant's comment on a pilot's progress."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "suppliers.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PilotRelatedQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["pilot", "created_at", "id"]

    def __str__(self):
        return f"{self.author}: {shorten(self.body, 40)}"

    def get_absolute_url(self):
        return f"{self.pilot.get_absolute_url()}#comment-{self.pk}"


# --- funding, budget, spending and people reached (pilots.budget computes from these rows) ----


class ProgrammeRowQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("programme")


class ProgrammeFunding(RequiredMoney):
    """What a donor gives to a programme, in its own currency."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="fundings", verbose_name=_("programme")
    )
    donor = models.ForeignKey(
        "suppliers.Organisation",
        on_delete=models.PROTECT,
        related_name="fundings_given",
        verbose_name=_("donor"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ProgrammeRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("funding")
        verbose_name_plural = _("funding")
        ordering = ["programme", "on_date", "id"]

    def __str__(self):
        return f"{self.donor}: {self.amount} {self.currency_id}"

    def get_absolute_url(self):
        return f"{self.programme.get_absolute_url()}#funding-{self.pk}"


class BudgetLine(RequiredMoney):
    """One line of a programme's budget: a category, optionally a country, and an amount."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="budget_lines",
        verbose_name=_("programme"),
    )
    category = models.CharField(
        _("category"), max_length=100, help_text=_("e.g. Personnel, Training, Evaluation")
    )
    country = CountryField(_("country"), blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ProgrammeRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["programme", "category", "country", "id"]

    def __str__(self):
        where = f" ({self.country.name})" if self.country else ""
        return f"{self.category}{where}"

    def get_absolute_url(self):
        return f"{self.programme.get_absolute_url()}#budget-line-{self.pk}"


class Spending(RequiredMoney):
    """Money spent against a budget line on a date, in its own currency."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="spendings", verbose_name=_("programme")
    )
    budget_line = models.ForeignKey(
        BudgetLine,
        on_delete=models.PROTECT,
        related_name="spendings",
        verbose_name=_("budget line"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ProgrammeRowQuerySet.as_manager()

    class Meta:
        verbose_name = _("spending")
        verbose_name_plural = _("spending")
        ordering = ["programme", "on_date", "id"]

    def __str__(self):
        return f"{self.on_date} {self.amount} {self.currency_id}"

    def get_absolute_url(self):
        return f"{self.programme.get_absolute_url()}#spending-{self.pk}"


class ReachKind(models.TextChoices):
    TRAINED = "trained", _("Trained")
    INTERVIEWED = "interviewed", _("Interviewed")
    REACHED = "reached", _("Reached")


class PeopleReachedQuerySet(ScopedQuerySet):
    def with_list_related(self):
        return self.select_related("programme", "pilot", "activity")


class PeopleReached(models.Model):
    """How many people a programme (a pilot, an activity) trained, interviewed or reached, with
    the count by sex where known. Shares are computed (pilots.budget), never typed."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="people_reached",
        verbose_name=_("programme"),
    )
    pilot = models.ForeignKey(
        Pilot,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="people_reached",
        verbose_name=_("pilot"),
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people_reached",
        verbose_name=_("activity"),
    )
    what = models.CharField(_("what"), max_length=20, choices=ReachKind.choices)
    on_date = models.DateField(_("date"), null=True, blank=True)
    total = models.PositiveIntegerField(_("total"))
    women = models.PositiveIntegerField(_("women"), null=True, blank=True)
    men = models.PositiveIntegerField(_("men"), null=True, blank=True)
    other = models.PositiveIntegerField(
        _("other or unknown"),
        null=True,
        blank=True,
        help_text=_("People of another or an unrecorded sex, where the source counts them."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = PeopleReachedQuerySet.as_manager()

    class Meta:
        verbose_name = _("people reached")
        verbose_name_plural = _("people reached")
        ordering = ["programme", "what", "on_date", "id"]

    def __str__(self):
        return f"{self.total} {self.get_what_display().lower()}"

    def get_absolute_url(self):
        return f"{self.programme.get_absolute_url()}#reached-{self.pk}"

    def clean(self):
        parts = [value for value in (self.women, self.men, self.other) if value is not None]
        if self.total is not None and sum(parts) > self.total:
            raise ValidationError(
                {
                    "total": _(
                        "Women, men and other add up to %(parts)s, more than the total of "
                        "%(total)s."
                    )
                    % {"parts": sum(parts), "total": self.total}
                }
            )
