"""Field work in the browser (issue 5): the inspector's phone pages and the supervisor's planning pages."""
