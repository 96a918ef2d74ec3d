"""Follow a session while talking to its agent, with `AsyncClient`.

Run against the mock: `make mock`, then
AGENTRAIL_API_KEY=ar_test_admin AGENTRAIL_BASE_URL=http://127.0.0.1:4010 \
    python examples/sessions_async.py
"""

import asyncio

import agentrail


async def main() -> None:
    async with agentrail.AsyncClient() as client:
        session = await client.sessions.create(metadata={"example": "sessions"})
        events = client.sessions.events(session.id)
        # `await` the stream to connect before sending, so nothing is missed.
        async with await events.stream() as stream:
            await events.send(
                [{"type": "user.message", "content": [{"type": "text", "text": "hi"}]}]
            )
            async for event in stream:
                print(event.id, event.type)
                if event.type == "session.status_idle":
                    break
            print("resume after", stream.last_event_id)


if __name__ == "__main__":
    asyncio.run(main())
