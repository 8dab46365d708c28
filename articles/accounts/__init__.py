"""The people who use the staff workspace: who must use a second factor, enrolling one,
certifying an electronic signature, and the admin procedures around them (role grants, reset
links, the two-person factor reset, unlocking sign-in). Every change here is audited.

- `factors`: TOTP devices (django-otp): enrolling, verifying, who needs one.
- `people`: what admins may do to other people's accounts, and the reviewer certification.
- `middleware`: the staff session rules (second factor, idle timeout) and the
  Permissions-Policy header.
- `views`, `forms`, `urls`: sign-in, enrollment, certification and password-reset screens.
"""
