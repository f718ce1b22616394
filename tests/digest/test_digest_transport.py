"""The SMTP transport against aiosmtpd: URL forms, STARTTLS, implicit TLS, AUTH, refusals."""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import pytest
import trustme

from dailypapers.digest.transport import (
    MailConfigError,
    PermanentMailError,
    SMTPTransport,
    TransientMailError,
    parse_smtp_url,
)
from support.smtp_sink import SmtpSink, authenticator, sink_url, start_sink


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    authority = trustme.CA()
    folder = tmp_path_factory.mktemp("ca")
    authority.cert_pem.write_to_path(str(folder / "ca.pem"))
    return authority, str(folder / "ca.pem")


def server_context(authority) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


def message(to: str = "reader@example.org") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "dailypapers <noreply@papers.example.org>"
    msg["To"] = to
    msg["Subject"] = "hello"
    msg.set_content("hi")
    return msg


@pytest.fixture
def running():
    controllers = []

    def start(sink, **kwargs):
        controllers.append(start_sink(sink, **kwargs))
        return controllers[-1]

    yield start
    for controller in controllers:
        controller.stop()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, "plain", None, None)),
        (
            "smtp://mail.example.org:2525?starttls=1",
            ("mail.example.org", 2525, "starttls", None, None),
        ),
        (
            "smtp+starttls://u%40x:p%2Fw@mail.example.org",
            ("mail.example.org", 587, "starttls", "u@x", "p/w"),
        ),
        ("smtps://me:secret@mail.example.org", ("mail.example.org", 465, "tls", "me", "secret")),
    ],
)
def test_smtp_url_forms(url, expected):
    config = parse_smtp_url(url)
    assert (config.host, config.port, config.security, config.username, config.password) == expected


@pytest.mark.parametrize(
    "url", ["http://mail.example.org", "smtp://", "smtp://h:99999", "smtp://h?timeout=x"]
)
def test_bad_smtp_urls_say_what_is_wrong(url):
    with pytest.raises(MailConfigError, match="SMTP_URL"):
        parse_smtp_url(url)


def test_starttls_with_login(running, ca):
    authority, cafile = ca
    sink = SmtpSink()
    controller = running(
        sink,
        tls_context=server_context(authority),
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator({"mailer": "s3cret pass"}),
    )
    url = sink_url(controller, auth="mailer:s3cret%20pass@", query=f"?starttls=1&cafile={cafile}")
    transport = SMTPTransport.from_url(url)
    transport.send(message())
    transport.send(message("second@example.org"))  # the same connection, still authenticated
    transport.close()
    assert [m["To"] for m in sink.messages] == ["reader@example.org", "second@example.org"]
    assert sink.envelopes[0] == ("noreply@papers.example.org", ["reader@example.org"])


def test_implicit_tls(running, ca):
    authority, cafile = ca
    sink = SmtpSink()
    controller = running(sink, ssl_context=server_context(authority))
    transport = SMTPTransport.from_url(sink_url(controller, "smtps", query=f"?cafile={cafile}"))
    transport.send(message())
    transport.close()
    assert len(sink.messages) == 1


def test_a_wrong_password_stops_everything(running, ca):
    authority, cafile = ca
    sink = SmtpSink()
    controller = running(
        sink,
        tls_context=server_context(authority),
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator({"mailer": "right"}),
    )
    url = sink_url(controller, "smtp+starttls", auth="mailer:wrong@", query=f"?cafile={cafile}")
    with pytest.raises(MailConfigError, match="login refused"):
        SMTPTransport.from_url(url).send(message())


def test_an_untrusted_certificate_is_refused(running, ca):
    authority, _ = ca
    sink = SmtpSink()
    controller = running(sink, tls_context=server_context(authority))
    with pytest.raises(MailConfigError, match="not trusted"):
        SMTPTransport.from_url(sink_url(controller, "smtp+starttls")).send(message())
    assert sink.messages == []


def test_starttls_asked_of_a_server_without_it(running):
    controller = running(SmtpSink())
    with pytest.raises(MailConfigError, match="STARTTLS"):
        SMTPTransport.from_url(sink_url(controller, query="?starttls=1")).send(message())


def test_refusals_are_sorted_into_permanent_and_temporary(running):
    sink = SmtpSink()
    sink.refuse["gone@example.org"] = "550 5.1.1 no such mailbox"
    sink.transient["busy@example.org"] = 1
    transport = SMTPTransport.from_url(sink_url(running(sink)))
    with pytest.raises(PermanentMailError, match="550"):
        transport.send(message("gone@example.org"))
    with pytest.raises(TransientMailError) as busy:
        transport.send(message("busy@example.org"))
    assert busy.value.recipient and busy.value.code == 451
    transport.send(message("busy@example.org"))  # the session survived both refusals
    transport.close()
    assert [m["To"] for m in sink.messages] == ["busy@example.org"]


def test_an_unreachable_server_is_temporary():
    with pytest.raises(TransientMailError) as down:
        SMTPTransport.from_url("smtp://127.0.0.1:9?timeout=2").send(message())
    assert not down.value.recipient


def test_a_connection_the_server_closed_while_idle_is_replaced(running, monkeypatch):
    from dailypapers.digest import transport as module

    sink = SmtpSink()
    controller = running(sink)
    transport = SMTPTransport.from_url(sink_url(controller))
    transport.send(message("first@example.org"))
    transport._smtp.sock.close()  # as a server does to an idle client
    monkeypatch.setattr(module, "IDLE_PROBE", 0.0)  # the connection counts as idle now
    transport.send(message("second@example.org"))
    transport.close()
    assert [m["To"] for m in sink.messages] == ["first@example.org", "second@example.org"]
