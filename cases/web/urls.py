"""The workspace pages, under /work/ (namespace ``work``)."""

from django.urls import path

from cases.web import callbacks, case_page, inbox, intake, queue

app_name = "work"

urlpatterns = [
    # triage queue (派遣工作台) and approvals
    path("queue/", queue.queue, name="queue"),
    path("queue/rows/", queue.queue_rows, name="queue_rows"),
    path("queue/bulk/", queue.queue_bulk, name="queue_bulk"),
    path("approvals/", queue.approvals, name="approvals"),
    # one case
    path("cases/<str:number>/", case_page.case_page, name="case"),
    path("cases/<str:number>/<str:action>/", case_page.case_action, name="case_action"),
    # hotline intake (受理)
    path("intake/", intake.intake, name="intake"),
    path("intake/locate/", intake.locate, name="intake_locate"),
    path("intake/duplicates/", intake.duplicates, name="intake_duplicates"),
    path("intake/categories/", intake.categories, name="intake_categories"),
    # department inbox (专业部门) and notifications
    path("inbox/", inbox.inbox, name="inbox"),
    path("notifications/", inbox.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", inbox.notification_read, name="notification_read"),
    # callbacks (回访)
    path("callbacks/", callbacks.callbacks, name="callbacks"),
]
