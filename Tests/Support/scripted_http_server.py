"""A tiny HTTP/1.1 server that answers from a script, for tests of what a client does with
answers no OSS should give: redirects, unsolicited 304s, bodies that stall half-way.

Usage: python3 scripted_http_server.py SPEC_JSON

SPEC_JSON is an object:
  responses  list of answers; request n gets responses[min(n, len - 1)]. Each answer has
             status (int), reason (str), headers ([[name, value]...]), body (str, sent as UTF-8)
             or body_size (int: that many bytes of a repeating pattern), and optionally
             send_bytes (int: send only that much of the body, then hold the connection open
             until the client closes it; the announced Content-Length stays the full size).
  log        optional path: one "METHOD TARGET" line is appended per request.

The first line on stdout is the base URL, http://127.0.0.1:PORT. Runs until killed.
"""
import json
import signal
import socket
import sys
import threading

# A test runner's threads may block signals, and a child inherits the mask: without this,
# the test's SIGTERM would never stop the server.
signal.pthread_sigmask(signal.SIG_SETMASK, [])

spec = json.loads(sys.argv[1])
responses = spec["responses"]
log_path = spec.get("log")
lock = threading.Lock()
count = [0]


def body_of(answer):
    if "body_size" in answer:
        pattern = bytes(range(256))
        size = answer["body_size"]
        return (pattern * (size // 256 + 1))[:size]
    return answer.get("body", "").encode()


def serve(connection):
    with connection:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                return
            data += chunk
        request_line = data.split(b"\r\n", 1)[0].decode("latin-1")
        with lock:
            index = min(count[0], len(responses) - 1)
            count[0] += 1
            if log_path:
                with open(log_path, "a") as log:
                    log.write(" ".join(request_line.split(" ")[:2]) + "\n")
        answer = responses[index]
        body = body_of(answer)
        headers = [tuple(pair) for pair in answer.get("headers", [])]
        names = {name.lower() for name, _ in headers}
        if "content-length" not in names and answer["status"] not in (204, 304):
            headers.append(("Content-Length", str(len(body))))
        headers.append(("Connection", "close"))
        head = "HTTP/1.1 %d %s\r\n" % (answer["status"], answer.get("reason", "Scripted"))
        head += "".join("%s: %s\r\n" % pair for pair in headers) + "\r\n"
        send = answer.get("send_bytes")
        is_head = request_line.startswith("HEAD ")
        try:
            connection.sendall(head.encode("latin-1"))
            if not is_head:
                connection.sendall(body if send is None else body[:send])
            if send is not None:
                connection.settimeout(300)
                while connection.recv(65536):
                    pass
            else:
                connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(64)
print("http://127.0.0.1:%d" % listener.getsockname()[1], flush=True)
while True:
    connection, _ = listener.accept()
    threading.Thread(target=serve, args=(connection,), daemon=True).start()
