"""``manage.py create_api_client NAME [--series CODE ...] [--admin] [--batches]
[--rate R]``."""

from django.core.management.base import BaseCommand, CommandError

from tracking.exceptions import TrackingError
from tracking.services import api_client_create


class Command(BaseCommand):
    help = "Create an API client and print its token (alone, on the last line)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--series",
            action="append",
            default=[],
            metavar="CODE",
            help="A series the client may use (repeat for several). Without "
            "it the client may use the default series.",
        )
        parser.add_argument(
            "--admin",
            action="store_true",
            help="May use and administer every series.",
        )
        parser.add_argument(
            "--batches",
            action="store_true",
            help="May create batches (POST /tracking/batches/); --admin implies it.",
        )
        parser.add_argument(
            "--rate", default="", help="Numbers per period, e.g. 1000/second"
        )

    def handle(self, *args, name, series, admin, batches, rate, **options):
        try:
            client, token = api_client_create(
                name=name,
                series_codes=series,
                can_admin_series=admin,
                can_create_batches=batches,
                rate=rate,
            )
        except TrackingError as e:
            raise CommandError(e.message) from e
        self.stdout.write(
            f"Created API client {client.name!r}. Its token is shown once; "
            "keep it secret:"
        )
        self.stdout.write(token)
