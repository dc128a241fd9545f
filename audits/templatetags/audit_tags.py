"""Template tags of the audit pages."""

from django import template

from audits.selectors import may_record_audit as _may_record_audit
from audits.services import assessing_organisations

register = template.Library()


@register.simple_tag(takes_context=True)
def may_record_audit(context) -> bool:
    """Whether the signed-in user may open "Record an audit" (facilitators; NGOs and
    consultants for the pilots they take part in)."""
    return _may_record_audit(context["request"].user)


@register.simple_tag(takes_context=True)
def may_assess_pilot(context, pilot) -> bool:
    """Whether the signed-in user may record an audit or assessment of this pilot: its
    facilitator, or a writable member of a civil-society organisation taking part in it."""
    from csrplatform import access

    user = context["request"].user
    if access.actor_for(user).is_facilitator_editor:
        return True
    return bool(assessing_organisations(user, pilot))
