"""The SMTP listener alone in a process, for the test that kills it with SIGKILL mid-stream.

Usage: python -m tests.email_listener_process DATABASE_URL PORT
"""

import sys
import threading

from helpline.adapters.email.smtp_listener import SmtpListener
from helpline.bootstrap import bootstrap
from helpline.config import Settings


def main() -> None:
    url, port = sys.argv[1], int(sys.argv[2])
    container = bootstrap(Settings(database_url=url, environment="test", routing_enabled=False,
                                   channels_enabled=False, log_level="WARNING"))
    listener = SmtpListener(container.uow, "mail-in", "127.0.0.1", port, 1024 * 1024, ["support@reso.test"])
    listener.start()
    print("ready", flush=True)
    threading.Event().wait()  # until killed


if __name__ == "__main__":
    main()
