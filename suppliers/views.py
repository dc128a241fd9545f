"""Directory pages: organisation list, supplier detail, create and edit forms, CSV export."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Func, StringAgg, Value
from django.db.models.functions import NullIf
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from csrplatform import access
from csrplatform.editing import edit_page
from csrplatform.lists import (
    Joined,
    copies_csv,
    copy_csv_response,
    csv_response,
    filtered_list,
    paginate,
    paginate_uncounted,
    values_in_chunks,
)

from . import services
from .filters import OrganisationFilterSet
from .forms import FacilityForm, OrganisationForm, SupplierProfileForm, SupplyRelationshipForm
from .models import Cluster, Facility, Organisation, Supplier, SupplyRelationship
from .rules import notes_are_readable, readable_profile, readable_profiles


def _organisation_list(request):
    return filtered_list(
        request,
        # A supplier seen only as a pilot's fellow participant shows no profile.
        queryset=Organisation.objects.with_list_related().with_profile_readable(request.user),
        filterset_class=OrganisationFilterSet,
    )


@login_required
def organisation_list(request):
    listing = _organisation_list(request)
    context = {
        "filterset": listing.filterset,
        "can_create": access.can_create(request.user, Organisation),
        # Previous and Next: counting 10,000 organisations on every request costs more.
        **paginate_uncounted(request, listing.queryset),
    }
    template = (
        "suppliers/_organisation_results.html"
        if request.htmx
        else "suppliers/organisation_list.html"
    )
    return render(request, template, context, status=listing.status)


EXPORT_HEADER = (
    "id",
    "name",
    "local_name",
    "kind",
    "civil_society_type",
    "country",
    "city",
    "website",
    "sector",
    "workers",
    "headquarters",
    "maturity_stage",
    "commitment_level",
    "certifications",
    "clusters",
)


EXPORT_FIELDS = (
    "pk",
    "name",
    "local_name",
    "kind",
    "civil_society_type",
    "country",
    "city",
    "website",
    "profile_readable",
    "supplier_profile__id",
    "supplier_profile__sector",
    "supplier_profile__workers_headcount",
    "supplier_profile__headquarters_city",
    "supplier_profile__headquarters_country",
    "supplier_profile__maturity_stage",
    "supplier_profile__commitment_level",
)


def _names_by_supplier(through, name_field, supplier_ids) -> dict:
    """{supplier id: "a; b"}: the chunk's certifications or clusters in one query, in the
    order a supplier's page lists them."""
    names = {}
    rows = (
        through.objects.filter(supplier_id__in=supplier_ids)
        .order_by(name_field, "pk")
        .values_list("supplier_id", name_field)
    )
    for supplier_id, name in rows:
        names.setdefault(supplier_id, []).append(name)
    return {supplier_id: "; ".join(found) for supplier_id, found in names.items()}


def _export_chunks(queryset):
    for rows in values_in_chunks(queryset, EXPORT_FIELDS):
        # Seen only as a pilot's fellow participant, say: no private profile.
        readable = [row[9] for row in rows if row[8] and row[9] is not None]
        certifications = _names_by_supplier(
            Supplier.certifications.through, "certification__name", readable
        )
        clusters = _names_by_supplier(Cluster.suppliers.through, "cluster__name", readable)
        chunk = []
        for row in rows:
            cells = row[:8]
            supplier_id = row[9]
            if not row[8] or supplier_id is None:
                chunk.append([*cells, "", "", "", "", "", "", ""])
                continue
            sector, workers, city, country, maturity, commitment = row[10:]
            chunk.append(
                [
                    *cells,
                    sector,
                    workers,
                    ", ".join(filter(None, [city, country])),
                    maturity,
                    commitment,
                    certifications.get(supplier_id, ""),
                    clusters.get(supplier_id, ""),
                ]
            )
        yield chunk


@login_required
def organisation_export(request):
    listing = _organisation_list(request)
    if not listing.is_valid:
        return render(
            request,
            "suppliers/organisation_list.html",
            {"filterset": listing.filterset, **paginate(request, listing.queryset)},
            status=400,
        )
    # id, kind, civil society type
    plain = (0, 3, 4)
    if copies_csv(listing.queryset):
        return _export_copy(request.user, listing.queryset, plain)
    # Values a chunk at a time, certifications and clusters one query each per chunk.
    return csv_response(
        "organisations.csv", EXPORT_HEADER, _export_chunks(listing.queryset), plain=plain
    )


def _export_copy(user, queryset, plain):
    """`organisation_export` written by PostgreSQL: the profiles the user may read, their
    certifications and their clusters each read once (names joined in the order a supplier's
    page lists them) and joined to the rows, not looked up row by row; an organisation whose
    profile is not readable has none of them."""
    readable = Supplier.objects.filter(pk__in=readable_profiles(user).values("pk")).order_by()
    profiles = Joined(
        readable.annotate(
            headquarters=Func(
                NullIf("headquarters_city", Value("")),
                NullIf("headquarters_country", Value("")),
                function="CONCAT_WS",
                template="%(function)s(', ', %(expressions)s)",
                output_field=CharField(),
            )
        ).values_list(
            "organisation_id",
            "sector",
            "workers_headcount",
            "headquarters",
            "maturity_stage",
            "commitment_level",
        ),
        on="pk",
    )
    names = [
        Joined(
            through.objects.filter(supplier__in=readable.values("pk"))
            .order_by()
            .values("supplier__organisation_id")
            .annotate(names=StringAgg(name, Value("; "), order_by=(name, "pk")))
            .values_list("supplier__organisation_id", "names"),
            on="pk",
        )[0]
        for through, name in (
            (Supplier.certifications.through, "certification__name"),
            (Cluster.suppliers.through, "cluster__name"),
        )
    ]
    columns = [*EXPORT_FIELDS[:8], *(profiles[index] for index in range(5)), *names]
    return copy_csv_response("organisations.csv", EXPORT_HEADER, queryset, columns, plain=plain)


@login_required
def organisation_detail(request, pk):
    organisation = access.get_object_or_404(
        request.user, Organisation.objects.select_related("supplier_profile"), pk=pk
    )
    context = {
        "organisation": organisation,
        "can_edit": access.can_edit(request.user, organisation),
        "can_add_relationship": access.can_create(request.user, SupplyRelationship),
        # Seen by its own rule, not only as a name on a shared pilot: notes and members show.
        "seen_by_own_rule": notes_are_readable(request.user, organisation),
    }
    # Seen only as a pilot's fellow participant, say: the record, not the supplier's profile.
    supplier = readable_profile(request.user, organisation)
    if supplier is not None:
        context.update(
            supplier=supplier,
            facilities=Facility.objects.visible_to(request.user).filter(supplier=supplier),
            customers=SupplyRelationship.objects.visible_to(request.user)
            .filter(supplier=supplier)
            .select_related("customer"),
            clusters=Cluster.objects.visible_to(request.user).filter(suppliers=supplier),
            certifications=supplier.certifications.all(),
            can_add_facility=access.can_edit(request.user, organisation)
            or access.actor_for(request.user).is_facilitator_editor,
        )
    else:
        context["suppliers"] = (
            SupplyRelationship.objects.visible_to(request.user)
            .filter(customer=organisation)
            .select_related("supplier__organisation")
        )
    return render(request, "suppliers/organisation_detail.html", context)


def _organisation_forms(request, organisation=None):
    data = request.POST if request.method == "POST" else None
    profile = getattr(organisation, "supplier_profile", None) if organisation else None
    return (
        OrganisationForm(data, instance=organisation, user=request.user),
        SupplierProfileForm(data, instance=profile, user=request.user),
    )


def _profile_values(profile_form, organisation_form):
    if organisation_form.cleaned_data.get("kind") != "supplier":
        return {}, None
    values = {name: profile_form.cleaned_data[name] for name in services.SUPPLIER_FIELDS}
    return values, profile_form.cleaned_data["certifications"]


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request):
    if not access.can_create(request.user, Organisation):
        raise PermissionDenied(_("Only facilitators add organisations."))
    organisation_form, profile_form = _organisation_forms(request)

    def save():
        profile, certifications = _profile_values(profile_form, organisation_form)
        return services.organisation_create(
            actor=request.user,
            supplier_profile=profile,
            certifications=certifications,
            **{name: organisation_form.cleaned_data[name] for name in services.ORGANISATION_FIELDS},
        )

    return edit_page(
        request,
        forms=[organisation_form, profile_form],
        save=save,
        template="suppliers/organisation_form.html",
        context={"title": _("New organisation")},
        success_message=_("Organisation added."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_update(request, pk):
    organisation = access.get_object_or_404(
        request.user, Organisation.objects.select_related("supplier_profile"), access.EDIT, pk=pk
    )
    organisation_form, profile_form = _organisation_forms(request, organisation)

    def save():
        profile, certifications = _profile_values(profile_form, organisation_form)
        return services.organisation_update(
            actor=request.user,
            organisation=organisation,
            supplier_profile=profile or None,
            certifications=certifications,
            **{name: organisation_form.cleaned_data[name] for name in services.ORGANISATION_FIELDS},
        )

    return edit_page(
        request,
        forms=[organisation_form, profile_form],
        save=save,
        template="suppliers/organisation_form.html",
        context={
            "title": _("Edit %(name)s") % {"name": organisation.name},
            "organisation": organisation,
        },
        success_message=_("Changes saved."),
    )


def _supplier_for_facility(request, pk):
    supplier = access.get_object_or_404(
        request.user, Supplier.objects.select_related("organisation"), organisation_id=pk
    )
    actor = access.actor_for(request.user)
    if not (actor.is_facilitator_editor or access.can_edit(request.user, supplier)):
        raise Http404
    return supplier


@login_required
@require_http_methods(["GET", "POST"])
def facility_create(request, pk):
    supplier = _supplier_for_facility(request, pk)
    form = FacilityForm(
        request.POST if request.method == "POST" else None,
        initial={"supplier": supplier, "country": supplier.organisation.country},
        user=request.user,
    )
    return edit_page(
        request,
        forms=[form],
        save=lambda: services.facility_save(actor=request.user, **form.cleaned_data).supplier,
        template="suppliers/facility_form.html",
        context={
            "title": _("New facility of %(name)s") % {"name": supplier},
            "organisation": supplier.organisation,
        },
        success_message=_("Facility added."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def facility_update(request, pk):
    facility = access.get_object_or_404(
        request.user,
        Facility.objects.select_related("supplier__organisation"),
        access.EDIT,
        pk=pk,
    )
    form = FacilityForm(
        request.POST if request.method == "POST" else None, instance=facility, user=request.user
    )
    return edit_page(
        request,
        forms=[form],
        save=lambda: (
            services.facility_save(
                actor=request.user, facility=facility, **form.cleaned_data
            ).supplier
        ),
        template="suppliers/facility_form.html",
        context={
            "title": _("Edit facility %(name)s") % {"name": facility.name},
            "organisation": facility.supplier.organisation,
        },
        success_message=_("Facility saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def relationship_create(request, pk):
    if not access.can_create(request.user, SupplyRelationship):
        raise Http404
    supplier = access.get_object_or_404(
        request.user, Supplier.objects.select_related("organisation"), organisation_id=pk
    )
    form = SupplyRelationshipForm(
        request.POST if request.method == "POST" else None,
        initial={"supplier": supplier, "tier": 1},
        user=request.user,
    )
    return edit_page(
        request,
        forms=[form],
        save=lambda: services.relationship_save(actor=request.user, **form.cleaned_data).supplier,
        template="suppliers/relationship_form.html",
        context={
            "title": _("New customer of %(name)s") % {"name": supplier},
            "organisation": supplier.organisation,
        },
        success_message=_("Supply relationship recorded."),
    )
