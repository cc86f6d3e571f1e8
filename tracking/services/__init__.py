"""Every write of the tracking app, one module per area.

Callers import from ``tracking.services``; each module adds its names here.
"""

from tracking.services.batches import *  # noqa: F403
from tracking.services.exports import *  # noqa: F403
from tracking.services.numbers import *  # noqa: F403
from tracking.services.numbers import _tracking_numbers_store  # noqa: F401
from tracking.services.portal import *  # noqa: F403
from tracking.services.schedules import *  # noqa: F403
