"""Ready a laptop install: a demo API client and a first staff login."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from tracking.messages import DEMO_CLIENT_NOTE
from tracking.models import ApiClient
from tracking.services import api_client_create, api_client_rotate_token

DEMO_CLIENT = "demo"


class Command(BaseCommand):
    help = (
        "Give the 'demo' API client (an administrator of every series) a fresh "
        "token (tokens are stored hashed, so the old one cannot be shown "
        "again) and create a superuser 'admin' if there is no superuser yet. "
        "Prints 'API token: <key>' last."
    )

    def handle(self, *args, **options):
        client = ApiClient.objects.filter(name=DEMO_CLIENT).first()
        if client is None:
            _, token = api_client_create(name=DEMO_CLIENT, can_admin_series=True)
        else:
            # A demo client made before it administered series becomes one.
            ApiClient.objects.filter(pk=client.pk).update(
                can_admin_series=True, can_create_batches=True
            )
            token = api_client_rotate_token(client=client)
        User = get_user_model()
        if not User.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", "", password)
            self.stdout.write(f"Portal login: admin / {password}")
        self.stdout.write(DEMO_CLIENT_NOTE.format(name=DEMO_CLIENT))
        self.stdout.write(f"API token: {token}")
