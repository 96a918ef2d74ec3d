"""Watch tasks get shipped with `AsyncClient`, in a task beside the work.

Run against the mock: `make mock`, then
AGENTRAIL_API_KEY=ar_test_admin AGENTRAIL_BASE_URL=http://127.0.0.1:4010 \
    python examples/tasks_async.py
"""

import asyncio

import agentrail
from agentrail import StreamOptions, TaskEventType

SHIPPED = StreamOptions(event_types=[TaskEventType.TASK_SHIPPED.value])


async def ship(client: agentrail.AsyncClient, title: str) -> None:
    task = await client.tasks.create(title=title)
    await client.tasks.review(task.id, decision="approved", summary="good")
    await client.tasks.ship(task.id)


async def main() -> None:
    async with agentrail.AsyncClient() as client:
        async with await client.stream_events(SHIPPED) as stream:
            await asyncio.gather(ship(client, "One"), ship(client, "Two"))
            shipped = 0
            async for event in stream:
                print(event.id, event.type, event.task_id)
                shipped += 1
                if shipped == 2:
                    break
            print("cursor", stream.last_event_id)


if __name__ == "__main__":
    asyncio.run(main())
