"""Follow a session while talking to its agent; print its log lines afterwards.

Run against the mock: `make mock`, then
AGENTRAIL_API_KEY=ar_test_admin AGENTRAIL_BASE_URL=http://127.0.0.1:4010 \
    python examples/sessions.py
"""

import agentrail


def main() -> None:
    with agentrail.Client() as client:  # AGENTRAIL_API_KEY, AGENTRAIL_BASE_URL
        session = client.sessions.create(metadata={"example": "sessions"})
        events = client.sessions.events(session.id)
        # Open the stream first, then send: every event arrives once, even after a
        # dropped connection (the stream lists what it missed).
        with events.stream() as stream:
            events.send(
                [{"type": "user.message", "content": [{"type": "text", "text": "hi"}]}]
            )
            for event in stream:
                print(event.id, event.type)
                if event.type == "session.status_idle":
                    break  # the agent answered
            kept = stream.last_event_id  # `stream(last_event_id=kept)` resumes here
        print("resume after", kept)

        lines = client.sessions.logs(session.id).stream()
        with lines:
            for line in lines:
                print(line.id, line.json()["message"])
                if line.json()["message"] == "idle":
                    break


if __name__ == "__main__":
    main()
