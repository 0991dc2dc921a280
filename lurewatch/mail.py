"""Sending one e-mail through the configured SMTP server (LUREWATCH_SMTP), for alerts and takedowns.

One place that knows SMTP: the URL form, STARTTLS, login, timeouts and what a failure means. It
sends once; callers that must retry (the notifiers) do so around it.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from lurewatch import config

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailError(Exception):
    """The message could not be sent; the text says why in one line."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # "opportunistic" | "starttls" | "tls"
    user: str | None = None
    password: str | None = None
    cafile: str | None = None  # CA certificates to trust instead of the system's (`?cafile=`)

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cafile)

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        """`smtp://[USER:PASSWORD@]HOST[:PORT]`, `smtp+starttls://...` or `smtps://...`;
        `?cafile=PATH` trusts the certificates in PATH (a server with a private CA)."""
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise MailError(f"cannot use mail server {url!r}: write smtp://HOST:PORT, "
                            "smtp+starttls://USER:PASSWORD@HOST:587 or smtps://HOST:465")
        try:
            port = parts.port or SCHEMES[parts.scheme]
        except ValueError as exc:
            raise MailError(f"cannot use mail server {url!r}: {exc}") from None
        security = {"smtp": "opportunistic", "smtp+starttls": "starttls",
                    "smtps": "tls"}[parts.scheme]
        cafile = (parse_qs(parts.query).get("cafile") or [None])[0]
        return cls(parts.hostname, port, security,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None, cafile)


def send(message: EmailMessage, url: str | None = None, timeout: float = 20.0) -> str:
    """Send `message` (its From/To/Cc/Bcc decide the envelope); return the server's answer.

    `url` defaults to LUREWATCH_SMTP. Raises MailError with a one-line reason.
    """
    url = url or config.smtp_url()
    if not url:
        raise MailError("no mail server configured: set LUREWATCH_SMTP=smtp://HOST:PORT")
    server = SmtpServer.parse(url)
    if "From" not in message:
        message["From"] = config.mail_from()
    try:
        if server.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout,
                                                  context=server.context())
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if server.security == "starttls" or (
                server.security == "opportunistic" and smtp.has_extn("starttls")
            ):
                smtp.starttls(context=server.context())
                smtp.ehlo()
            if server.user:
                smtp.login(server.user, server.password or "")
            refused = smtp.send_message(message)
            code, answer = smtp.noop()
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"mail to {message.get('To')} not sent via {server.host}:{server.port}: "
                        f"{exc}") from exc
    if refused:
        raise MailError(f"the mail server refused {', '.join(refused)}")
    return f"{code} {answer.decode('utf-8', 'replace')}"
