from django.apps import AppConfig


class TrackingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracking"
    verbose_name = "Operations"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_sync_roles, sender=self)


def _sync_roles(sender, apps=None, **kwargs) -> None:
    # Keeps the role groups equal to tracking.roles.ROLES after every migrate
    # (and every flush, which sends the signal without ``apps``).
    from django.apps import apps as global_apps

    from tracking.roles import roles_sync

    roles_sync(apps or global_apps)
