"""What readers send the clinic, and how it is protected and kept.

- `consent`: the consent wording per purpose, versioned in code and stored by its SHA-256.
- `protection`: what every reader form shares: honeypot, rate limit per hashed client address,
  single-line fields without line breaks or control characters.
- `access`: who may see what readers send (the Admin role).
- `information_requests`: submitting information requests, and (Admin role only) moderating,
  withdrawing consent, deleting and exporting them.
- `newsletter`: double opt-in sign-up, confirmation and unsubscribe links.
- `retention`: deleting requests and unconfirmed sign-ups past their time (run by run_jobs).
- `feedback`, `feedback_forms`, `feedback_views`: "Report a problem with this page".
- `forms`, `views`, `urls`: the public form pages (templates/readers/).
"""
