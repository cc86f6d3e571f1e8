"""The operations portal: the Django admin, themed by django-unfold.

One module per area; this module registers them all, so the models the
portal shows are listed here. Admin classes stay declarative; every write
goes through tracking.services and every non-trivial read through
tracking.selectors. Permissions are checked on the server for each view and
action (tracking.roles).
"""

from django.contrib import admin
from django.contrib.auth.models import Group, User
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from tracking.admin.batches import BatchAdmin
from tracking.admin.clients import ApiClientAdmin
from tracking.admin.exports import ExportJobAdmin
from tracking.admin.numbers import TrackingNumberAdmin
from tracking.admin.schedules import (
    ClockedScheduleAdmin,
    CrontabScheduleAdmin,
    IntervalScheduleAdmin,
    PeriodicTaskAdmin,
    ScheduleAdmin,
    SolarScheduleAdmin,
)
from tracking.admin.series import SeriesAdmin
from tracking.admin.users import GroupAdmin, UserAdmin
from tracking.models import (
    ApiClient,
    Batch,
    ExportJob,
    Schedule,
    Series,
    TrackingNumber,
)

admin.site.index_title = "Dashboard"
admin.site.site_header = admin.site.site_title = "Tracking numbers"

admin.site.register(TrackingNumber, TrackingNumberAdmin)
admin.site.register(Series, SeriesAdmin)
admin.site.register(ApiClient, ApiClientAdmin)
admin.site.register(Batch, BatchAdmin)
admin.site.register(ExportJob, ExportJobAdmin)
admin.site.register(Schedule, ScheduleAdmin)

# django-celery-beat and auth registered their own admins; show them in the
# portal's look instead.
for model, model_admin in (
    (PeriodicTask, PeriodicTaskAdmin),
    (IntervalSchedule, IntervalScheduleAdmin),
    (CrontabSchedule, CrontabScheduleAdmin),
    (SolarSchedule, SolarScheduleAdmin),
    (ClockedSchedule, ClockedScheduleAdmin),
    (User, UserAdmin),
    (Group, GroupAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
