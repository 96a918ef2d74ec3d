"""Watch tasks get shipped; keep the cursor so a later run misses nothing.

Run against the mock: `make mock`, then
AGENTRAIL_API_KEY=ar_test_admin AGENTRAIL_BASE_URL=http://127.0.0.1:4010 \
    python examples/tasks.py
"""

import agentrail
from agentrail import StreamOptions, TaskEventType

SHIPPED = StreamOptions(event_types=[TaskEventType.TASK_SHIPPED.value])


def main() -> None:
    with agentrail.Client() as client:
        with client.stream_events(SHIPPED) as stream:  # connected: nothing is missed
            for title in ("Fix the login bug", "Write the changelog"):
                task = client.tasks.create(title=title, branch="main")
                client.tasks.update(task.id, status="in_progress")
                client.tasks.review(task.id, decision="approved", summary="good")
                client.tasks.ship(task.id)
            for shipped, event in enumerate(stream, 1):
                print(event.id, event.type, event.task_id, event.data.to_dict())
                if shipped == 2:
                    break
            cursor = stream.last_event_id
        # Later, or in another process: StreamOptions(cursor=cursor) resumes after it.
        print("cursor", cursor)


if __name__ == "__main__":
    main()
