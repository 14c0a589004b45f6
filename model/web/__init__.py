"""The web page for planners (`capplan serve`): instances, plans and the planners' questions
in a browser, every run in the same ledger as the command line's.

A thin layer over the public API (`capplan.api`): each request parses a form, calls one API
function (in a worker process for anything that solves), renders the result and records it.
`capplan.web.app.create_app` is the application; `jobs` runs work in a `spawn` pool,
`views` turns a result into what a page shows, `svg` draws the charts, `forms` turns the
plan form into `--set` overrides, and `text` holds the words in Dutch and English.
"""
