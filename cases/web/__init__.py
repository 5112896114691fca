"""The command-centre workspace in the browser (issue 4): server-rendered pages with htmx.

Pages read with the selectors and querysets of ``cases`` and act only through
``cases.services`` (via ``cases.web.actions``); no rule of the workflow lives here.
"""
