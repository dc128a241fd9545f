from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from csrplatform.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user. The token is printed alone on the last line, once."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--read-only", action="store_true", help="The token may only read.")
        parser.add_argument("--name", default="Command-line token")

    def handle(self, *args, email, read_only, name, **options):
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with the e-mail address {email!r}.")
        if not user.is_active:
            raise CommandError(f"The user {email!r} is deactivated.")
        token, raw_key = api_token_create(user=user, name=name, read_only=read_only)
        mode = "read-only" if token.read_only else "read-write"
        self.stdout.write(
            f"Created {mode} token {token.key_prefix}… for {user.email}. "
            "Store it now: it is not shown again."
        )
        self.stdout.write(raw_key)
