#!/usr/bin/env python3
"""A stand-in ERP for the connector tests: an HTTP(S) server that records every request and
answers the way it is told.

  erp_stub.py --port-file F --record F [--tls-cert C --tls-key K [--client-ca CA]]
              [--bearer TOKEN | --basic USER:PASS | --hmac-secret S | --oauth ID:SECRET]
#              [--hmac-header NAME] [--hmac-algorithm sha256|sha384|sha512]
              [--token-ttl SECONDS]

Listens on 127.0.0.1, port 0 (the chosen port is written to --port-file once listening).
  POST /_control  JSON {"mode": "200"|"500"|"429"|"400"|"401"|"slow", "retry_after": N,
                        "delay": SECONDS, "token_uses": N, "token_ttl": SECONDS}
                  changes the behaviour (not recorded)
  POST /token     OAuth2 client-credentials token endpoint (with --oauth)
  POST other      the document endpoint: checks auth (401 on failure), then answers per mode
Each request (control excepted) is appended to --record as one JSON line:
  {"path", "method", "headers": {...}, "body", "auth": "ok" | "none" | "failed: why",
   "client_cn": subject CN of the TLS client certificate or null, "status": answered status}
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse

LOCK = threading.Lock()
STATE = {"mode": "200", "retry_after": None, "delay": 0.0, "token_uses": 0, "token_ttl": None}
TOKENS = {}  # access token -> remaining uses (None: unlimited) and expiry
TOKEN_SERIAL = [0]
MAX_BODY = 16 * 1024 * 1024


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--record", required=True)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--client-ca")
    p.add_argument("--bearer")
    p.add_argument("--basic")
    p.add_argument("--hmac-secret")
    p.add_argument("--hmac-header", default="X-Edigate-Signature")
    p.add_argument("--hmac-algorithm", default="sha256", choices=["sha256", "sha384", "sha512"])
    p.add_argument("--oauth")
    p.add_argument("--token-ttl", type=int, default=3600)
    return p.parse_args()


ARGS = parse_args()


def check_auth(headers, body):
    """Returns "none", "ok" or "failed: <why>"."""
    auth = headers.get("Authorization", "")
    if ARGS.bearer:
        return "ok" if auth == "Bearer " + ARGS.bearer else "failed: bearer token"
    if ARGS.basic:
        if not auth.startswith("Basic "):
            return "failed: no basic credentials"
        try:
            decoded = base64.b64decode(auth[6:], validate=True).decode()
        except Exception:  # noqa: BLE001 - any garbage is a failure
            return "failed: bad base64"
        return "ok" if hmac.compare_digest(decoded, ARGS.basic) else "failed: basic credentials"
    if ARGS.hmac_secret:
        ts = headers.get("X-Edigate-Timestamp", "")
        sig = headers.get(ARGS.hmac_header, "")
        if not ts.isdigit() or abs(int(ts) - time.time()) > 300:
            return "failed: timestamp missing or more than 5 minutes off"
        digest = getattr(hashlib, ARGS.hmac_algorithm)
        mac = hmac.new(ARGS.hmac_secret.encode(), ts.encode() + b"." + body, digest)
        expected = ARGS.hmac_algorithm + "=" + mac.hexdigest()
        return "ok" if hmac.compare_digest(sig, expected) else "failed: signature"
    if ARGS.oauth:
        if not auth.startswith("Bearer "):
            return "failed: no bearer token"
        token = auth[7:]
        with LOCK:
            entry = TOKENS.get(token)
            if entry is None or entry["expires"] < time.time():
                return "failed: unknown or expired token"
            if entry["uses"] is not None:
                if entry["uses"] <= 0:
                    return "failed: token revoked"
                entry["uses"] -= 1
        return "ok"
    return "none"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):  # keep the test output quiet
        pass

    def client_cn(self):
        getpeercert = getattr(self.connection, "getpeercert", None)
        cert = getpeercert() if getpeercert else None
        for rdn in (cert or {}).get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return value
        return None

    def answer(self, status, body, extra=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def record(self, body, auth, status):
        entry = {"path": self.path, "method": self.command, "headers": dict(self.headers.items()),
                 "body": body.decode("utf-8", "replace"), "auth": auth,
                 "client_cn": self.client_cn(), "status": status}
        with LOCK, open(ARGS.record, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def do_POST(self):  # noqa: N802 - http.server naming
        length = int(self.headers.get("Content-Length", "0"))
        if length < 0 or length > MAX_BODY:
            self.answer(413, '{"error":"too large"}')
            return
        body = self.rfile.read(length)
        if self.path == "/_control":
            with LOCK:
                STATE.update(json.loads(body or b"{}"))
            self.answer(200, json.dumps(STATE))
            return
        if self.path == "/token":
            self.token(body)
            return
        self.document(body)

    def token(self, body):
        form = urllib.parse.parse_qs(body.decode())
        auth = self.headers.get("Authorization", "")
        ok = False
        if ARGS.oauth and auth.startswith("Basic "):
            ok = base64.b64decode(auth[6:]).decode() == ARGS.oauth
        if not ok or form.get("grant_type") != ["client_credentials"]:
            self.record(body, "failed: client credentials", 401)
            self.answer(401, '{"error":"invalid_client"}')
            return
        with LOCK:
            TOKEN_SERIAL[0] += 1
            token = "tok-%d" % TOKEN_SERIAL[0]
            uses = STATE["token_uses"] or None
            ttl = STATE["token_ttl"] or ARGS.token_ttl
            TOKENS[token] = {"uses": uses, "expires": time.time() + ttl}
        self.record(body, "ok", 200)
        self.answer(200, json.dumps({"access_token": token, "token_type": "Bearer",
                                     "expires_in": ttl}))

    def document(self, body):
        auth = check_auth(self.headers, body)
        if auth.startswith("failed"):
            self.record(body, auth, 401)
            self.answer(401, json.dumps({"error": auth}))
            return
        with LOCK:
            mode, retry_after, delay = STATE["mode"], STATE["retry_after"], STATE["delay"]
        if mode == "slow":
            time.sleep(float(delay))
            mode = "200"
        status = int(mode)
        self.record(body, auth, status)
        extra = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        reply = {"200": '{"accepted":true}', "400": '{"error":"PO number missing in BEG03"}'}
        try:
            self.answer(status, reply.get(mode, '{"error":"stub says %s"}' % mode), extra)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out first: expected in the slow mode


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # failed TLS handshakes and dropped clients are part of the tests


def main():
    server = Server(("127.0.0.1", 0), Handler)
    if ARGS.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls_cert, ARGS.tls_key)
        if ARGS.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(ARGS.client_ca)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, ARGS.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
