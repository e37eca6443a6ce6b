"""``reportflow serve``: the review page, where leaders approve in a browser (issue 14).

The web layer only: the decisions are the library's (``cycle/review.py`` what a page shows,
``signoff/request.py`` every check of a sign-off, ``signoff/passkeys.py`` and
``signoff/enrol.py`` the passkey record and registration). ``app`` builds the Starlette
application, ``pages`` its routes, ``ceremony`` the WebAuthn options and checks (py_webauthn),
``security`` sessions, CSRF, headers and rate limits.
"""
