"""Sanitation pages, under /sanitation/ (namespace ``sanitation``).

Each helper module adds its own ``urlpatterns`` list; this one joins them.
"""

from sanitation.web import inspections, ledgers, sorting

app_name = "sanitation"

urlpatterns = [*ledgers.urlpatterns, *inspections.urlpatterns, *sorting.urlpatterns]
