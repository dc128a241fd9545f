"""Pages in the signed-in user's own language."""

from django.utils import translation


class UserLanguageMiddleware:
    """Activate the signed-in user's language preference, if they set one.

    Runs after LocaleMiddleware (which chose from the cookie or the browser) and after
    AuthenticationMiddleware (which knows the user); a user without a preference keeps
    LocaleMiddleware's choice. LocaleMiddleware still writes Content-Language and Vary.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if language and user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
