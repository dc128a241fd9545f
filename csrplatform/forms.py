"""Form base: dropdowns list only what the user may see."""

from django import forms

from csrplatform import access


class ScopedModelForm(forms.ModelForm):
    """A ModelForm whose related-object choices come from the user's scope."""

    #: the access action that the choices of related fields must allow
    choice_action = access.VIEW

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        access.scope_choice_fields(user, self.fields.values(), self.choice_action)
