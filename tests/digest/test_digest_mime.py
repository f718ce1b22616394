"""Mails written by hand must read back with the standard parser exactly as meant."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from dailypapers.digest.mime import alternative


@pytest.mark.parametrize(
    "subject",
    [
        "plain ascii",
        "Your daily papers · Mon 17 Aug 2026 · 5 papers",
        "日本語の論文 " * 12,
        "é" * 200,
    ],
)
def test_headers_and_both_parts_read_back(subject):
    mail = alternative(
        [("From", "dailypapers <noreply@papers.example.org>"), ("To", "r@example.org"),
         ("Subject", subject), ("List-Unsubscribe", "<https://x.example/u/" + "t" * 120 + ">")],
        "text: café\n.leading dot\n",
        "<p>html: café</p>",
    )  # fmt: skip
    assert (mail.sender, mail.recipients) == ("noreply@papers.example.org", ("r@example.org",))
    parsed = message_from_bytes(mail.data, policy=policy.default)
    assert parsed["Subject"] == subject
    assert parsed["List-Unsubscribe"] == "<https://x.example/u/" + "t" * 120 + ">"
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed.get_body(("plain",)).get_content() == "text: café\n.leading dot\n"
    assert parsed.get_body(("html",)).get_content() == "<p>html: café</p>"
    lines = mail.data.split(b"\r\n")
    assert all(len(line) <= 998 for line in lines) and b"\n" not in mail.data.replace(b"\r\n", b"")
    subject_lines = mail.data.split(b"\r\n\r\n")[0].split(b"Subject: ")[1].split(b"\r\nList")[0]
    assert all(len(line) <= 78 for line in subject_lines.split(b"\r\n"))
