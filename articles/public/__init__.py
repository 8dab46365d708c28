"""The public site: what a reader sees (live revisions only), as pages, JSON-LD, feeds and a
sitemap, served through a whole-page cache. Staff work happens in `articles.admin`."""
