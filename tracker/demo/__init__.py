"""`tracker demo` and its sample site, served over real HTTP on the loopback interface.

- `run`: `run_demo`, the whole job once, offline: serve the site, crawl, code, render the briefings.
- `site`: the sample site's content (`tracker/data/demo_site/`) and the pages rendered from it; `serve_sample_site`.
- `registry`: the registry (TOML) that points the real spiders at the served sample site.
- `server`: the small threaded HTTP server behind the sample site, shared with the tests' fixture sites.

Nothing is imported here, so the tests' fixture server (`igtracker.demo.server`) loads without the pipeline.
"""
