"""Server-rendered pages for coordinators and mentors (GOV.UK Frontend, Jinja2)."""
