"""HTTP surface: REST API, public pages and feeds, the Slack request URL."""
