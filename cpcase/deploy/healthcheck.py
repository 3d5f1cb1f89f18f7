"""Container health check for the web server: is it answering HTTP without a server error?

Run by Docker inside the container (no curl in the image). The request looks as if it came
through the TLS-terminating proxy, so production's HTTPS redirect does not answer instead.
"""

import sys
import urllib.error
import urllib.request

URL = "http://127.0.0.1:8000/admin/login/"


def main() -> int:
    request = urllib.request.Request(
        URL, headers={"Host": "localhost", "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as e:
        status = e.code
    except OSError as e:
        print(f"unhealthy: {e}", file=sys.stderr)
        return 1
    if status >= 500:
        print(f"unhealthy: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
