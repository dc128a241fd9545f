"""Who sees and answers reviews: the organisation asked sees and answers its reviews; anyone who
sees the subject (a phase, an assessment, a corrective action) sees the reviews of it.

Apps name the models that can be reviewed with `register_review_subjects` in their rules.py, so
this module imports no app.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from csrplatform.access import EDIT, rule, visible_ids

from .models import Review, ReviewEvent

_SUBJECT_MODELS: list = []


def register_review_subjects(*model_classes):
    for model in model_classes:
        if model not in _SUBJECT_MODELS:
            _SUBJECT_MODELS.append(model)


def review_subject_models() -> tuple:
    return tuple(_SUBJECT_MODELS)


def visible_review_ids(actor):
    subjects = Q(reviewer_id__in=actor.org_ids)
    for model in _SUBJECT_MODELS:
        subjects |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=visible_ids(actor, model),
        )
    return Review.objects.filter(subjects).values("pk")


@rule(Review)
def review_rule(actor, qs, action):
    if action == EDIT:
        return qs.filter(reviewer_id__in=actor.writable_org_ids)
    return qs.filter(pk__in=visible_review_ids(actor))


@rule(ReviewEvent)
def review_event_rule(actor, qs, action):
    """Steps of a review are history: read with the review, never edited."""
    if action == EDIT:
        return qs.none()
    return qs.filter(review_id__in=visible_review_ids(actor))
