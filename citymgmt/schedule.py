"""Every periodic task of citymgmt, in one place.

django-celery-beat's DatabaseScheduler copies these entries into its tables at
start-up, where an admin can pause one or change its time. Each entry says when
it runs and why.
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # 02:10 every day: pick up holidays the chinesecalendar package has learned
    # (the State Council publishes next year's arrangement each November), so
    # deadlines set in December for January already know them. Admin edits win.
    "sync-work-calendar": {
        "task": "org.tasks.sync_work_calendar",
        "schedule": crontab(hour=2, minute=10),
    },
    # Every minute: write the reminder when a case turns yellow, the 督办 when it
    # turns red, and the escalation at 5 working days overdue (DOMAIN.md §5).
    # Step limits are as short as 10 minutes, so a coarser interval would be late.
    "supervision-scan": {
        "task": "cases.tasks.supervision_scan",
        "schedule": 60.0,
    },
    # Every 15 minutes: patrol tasks whose shift ended without a patrol become 未巡查,
    # so the week plan and the inspectors' figures show them.
    "patrols-mark-missed": {
        "task": "patrols.tasks.mark_missed_tasks",
        "schedule": crontab(minute="*/15"),
    },
    # Every minute: recompute the statistics of cases that changed and whose
    # refresh was lost (the queue is in the database, so nothing is missed for
    # long); each change also asks for a refresh within seconds by itself.
    "reports-refresh": {
        "task": "reports.tasks.refresh_stats",
        "schedule": 60.0,
    },
    # Every 5 minutes: open cases by light (lights turn with time, not only with
    # actions), for the dashboards' overdue chart and map.
    "reports-open-cases": {
        "task": "reports.tasks.refresh_open_cases",
        "schedule": crontab(minute="*/5"),
    },
    # 00:20 every day: freeze the monthly ranking of a month whose settle period
    # (month end + 3 days by default) ended at midnight.
    "reports-freeze": {
        "task": "reports.tasks.freeze_assessments",
        "schedule": crontab(hour=0, minute=20),
    },
    # 06:30 every day: 每日一通报 for yesterday, ready before the morning meeting.
    "reports-daily-bulletin": {
        "task": "reports.tasks.daily_bulletin",
        "schedule": crontab(hour=6, minute=30),
    },
    # Every minute: send the tasks kept in the outbox table while Redis was down (a
    # send after Redis is back and a worker's start also do it; this is the backstop).
    "outbox-drain": {
        "task": "citymgmt.tasks.drain_outbox",
        "schedule": 60.0,
    },
    # Every minute: proves to the health check that beat and a worker are alive.
    "heartbeat": {
        "task": "citymgmt.tasks.heartbeat",
        "schedule": 60.0,
    },
}
