"""A local stand-in for the SMS/voice provider (the Twilio-style API of SPEC §3), for the live
checks and for trying Reach by hand. It checks every request against the documented API —
POST /2010-04-01/Accounts/{sid}/Messages.json (To, From, Body) or .../Calls.json (To, From,
Twiml), form-encoded, HTTP basic auth with the sid and token — answers like the provider
(201 with a sid), and appends each request as a JSON line to the file given. A request that
breaks the API gets 400 and a line with "violation".

Usage: provider_standin.py LOG SID TOKEN FROM  (prints its port, runs until killed)"""

import base64
import http.server
import json
import sys
import threading
import urllib.parse

LOG, SID, TOKEN, FROM = sys.argv[1:5]
count = 0
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
        form = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        problems = []
        prefix = f"/2010-04-01/Accounts/{SID}/"
        resource = self.path[len(prefix):] if self.path.startswith(prefix) else None
        content = {"Messages.json": "Body", "Calls.json": "Twiml"}.get(resource)
        if content is None:
            problems.append(f"path {self.path}")
        auth = self.headers.get("authorization", "")
        expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if auth != expected:
            problems.append("basic auth")
        if self.headers.get("content-type") != "application/x-www-form-urlencoded":
            problems.append("content type")
        if content and sorted(form) != sorted(["To", "From", content]):
            problems.append(f"fields {sorted(form)}")
        if form.get("From") != FROM or not form.get("To", "").startswith("+"):
            problems.append("numbers")
        with lock:
            count += 1
            n = count
            with open(LOG, "a", encoding="utf-8") as f:
                record = {"resource": resource, "form": form}
                if problems:
                    record["violation"] = problems
                f.write(json.dumps(record) + "\n")
        if problems:
            self.reply(400, {"code": 20001, "message": "; ".join(problems)})
        else:
            kind = "CA" if resource == "Calls.json" else "SM"
            self.reply(201, {"sid": f"{kind}{n:032d}", "status": "queued"})

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
