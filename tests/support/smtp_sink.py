"""A real SMTP server for the delivery tests (aiosmtpd): writes each message it accepts as
JSON (envelope, headers, text and HTML parts) to the folder given, prints its port, and runs
until its standard input closes. Recipients containing "busy" get 451, "nobody" 550."""

import asyncio
import base64
import email
import json
import os
import socket
import sys
from email import policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "busy" in address:
            return "451 4.3.0 Mailbox busy, try again later"
        if "nobody" in address:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        parts = {}
        attachments = []
        images = []
        for part in message.walk():
            if part.get_content_maintype() == "image":
                data = part.get_content()
                images.append({
                    "content_type": part.get_content_type(),
                    "content_id": part.get("content-id"),
                    "size": len(data),
                    "base64": base64.b64encode(data).decode(),
                })
            elif part.get_content_disposition() == "attachment":
                attachments.append({
                    "filename": part.get_filename(),
                    "content_type": part.get_content_type(),
                    "content": part.get_content() if part.get_content_maintype() == "text" else None,
                })
            elif part.get_content_type() in ("text/plain", "text/html"):
                parts[part.get_content_type()] = part.get_content()
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": {k.lower(): str(v) for k, v in message.items()},
            "content_type": message.get_content_type(),
            "text": parts.get("text/plain"),
            "html": parts.get("text/html"),
            "attachments": attachments,
            "images": images,
        }
        self.count += 1
        tmp = os.path.join(self.folder, f".{self.count}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(self.folder, f"{self.count}.json"))
        return "250 2.0.0 Message accepted for delivery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    port = free_port()
    controller = Controller(Sink(sys.argv[1]), hostname="127.0.0.1", port=port)
    controller.start()
    print(port, flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
