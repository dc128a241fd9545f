"""Who sees people, memberships and API tokens.

A user sees themselves and the members of the organisations they may see (the people an action
can be assigned to); the whole user table is never listed. Memberships are seen with their
organisation and changed by that organisation's admins. Tokens belong to their user alone.
"""

from django.db.models import Q

from csrplatform.access import EDIT, rule, visible_ids

from .models import ApiToken, Membership, Role, User


def _organisation_model():
    return Membership._meta.get_field("organisation").related_model


@rule(User)
def user_rule(actor, qs, action):
    if action == EDIT:
        return qs.filter(pk=actor.user_id)
    # People are seen through the organisations the user sees by their own rule: an
    # organisation merely named on a shared pilot does not show its members.
    visible_orgs = visible_ids(actor, _organisation_model(), grants=False)
    members = Membership.objects.filter(organisation_id__in=visible_orgs).values("user_id")
    return qs.filter(Q(pk=actor.user_id) | Q(pk__in=members))


@rule(Membership)
def membership_rule(actor, qs, action):
    if action == EDIT:
        administered = Membership.objects.filter(user_id=actor.user_id, role=Role.ADMIN).values(
            "organisation_id"
        )
        return qs.filter(organisation_id__in=administered)
    return qs.filter(organisation_id__in=visible_ids(actor, _organisation_model(), grants=False))


@rule(ApiToken)
def api_token_rule(actor, qs, action):
    return qs.filter(user_id=actor.user_id)
