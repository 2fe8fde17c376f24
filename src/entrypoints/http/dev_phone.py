"""/dev/phone: the embedded default's stand-in for a real phone. One thread per number:
what Herald texted it (the console SMS sender) and what it replied, with a box to reply
as that number; a reply goes through the same use case as Twilio's inbound webhook. The
page updates itself over server-sent events, and is one self-contained HTML document:
no build step, no CDN. 404 outside the embedded default."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import JSONBody, PathParameter
from litestar.response import ServerSentEvent

from adapters.console.subscriptions import DevPhone
from application.ports.clock import Clock
from application.subscriptions.receive_sms import ReceiveSms
from domain.errors import FieldErrors
from domain.recipients import PhoneNumber
from domain.subscriptions import INBOUND_BODY_MAX, InboundSms, inbound_body
from entrypoints.http.schemas import problem_responses, text
from entrypoints.settings import Settings

DEV_NUMBER = "+15005550006"  # the number the dev phone texts: Herald's, as far as it knows
_POLL_SECONDS = 0.2
E164_PATTERN = r"^\+[1-9][0-9]{7,14}$"


class ReplyIn(msgspec.Struct, forbid_unknown_fields=True):
    body: Annotated[str, text("YES", INBOUND_BODY_MAX)]


class PhoneMessageOut(msgspec.Struct):
    direction: str
    body: str
    at: str


def _embedded_only(settings: Settings) -> None:
    if not settings.mode.embedded:
        raise NotFoundException()


def _snapshot(phone: DevPhone) -> bytes:
    threads = {
        number: [PhoneMessageOut(m.direction, m.body, m.at.isoformat()) for m in thread]
        for number, thread in phone.threads().items()
    }
    return msgspec.json.encode(threads)


# The page and its event stream are for browsers, not API clients: out of the schema
# (an endless stream cannot be checked against one).
@get("/dev/phone", include_in_schema=False, media_type="text/html")
async def dev_phone_page(settings: FromDishka[Settings]) -> Response[str]:
    _embedded_only(settings)
    return Response(PAGE, media_type="text/html")


@get("/dev/phone/events", include_in_schema=False)
async def dev_phone_events(
    settings: FromDishka[Settings], phone: FromDishka[DevPhone]
) -> ServerSentEvent:
    _embedded_only(settings)

    async def changes() -> AsyncIterator[str]:
        last = b""
        while True:
            now = _snapshot(phone)
            if now != last:
                last = now
                yield now.decode()
            await asyncio.sleep(_POLL_SECONDS)

    return ServerSentEvent(changes(), event_type="threads")


@post(
    "/dev/phone/{number:str}/replies",
    tags=["dev"],
    summary="Reply as this phone: the same path as Twilio's inbound webhook",
    status_code=202,
    responses=problem_responses(404, 413, 415, 422),
)
async def dev_phone_reply(
    number: Annotated[str, PathParameter(pattern=E164_PATTERN, description="the phone, E.164")],
    data: JSONBody[ReplyIn],
    settings: FromDishka[Settings],
    phone: FromDishka[DevPhone],
    receive: FromDishka[ReceiveSms],
    clock: FromDishka[Clock],
) -> dict[str, Any]:
    _embedded_only(settings)
    errors = FieldErrors()
    sender = errors.check("number", PhoneNumber, number)
    body = errors.check("body", inbound_body, data.body)
    errors.raise_if_any()
    now = clock.now()
    sid = phone.next_sid()
    await receive(InboundSms(sid, sender.value, DEV_NUMBER, body, now))
    phone.replied(sender.value, body, now)
    return {"message_sid": sid}


DEV_PHONE_ROUTES = [dev_phone_page, dev_phone_events, dev_phone_reply]

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald dev phone</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #eef0f3; color: #1c1e21; }
  header { background: #24292f; color: #fff; padding: .8rem 1.2rem; }
  header h1 { font-size: 1.1rem; margin: 0; }
  header p { margin: .2rem 0 0; font-size: .85rem; opacity: .8; }
  main { display: flex; flex-wrap: wrap; gap: 1rem; padding: 1rem; }
  .thread { background: #fff; border-radius: 12px; width: 340px; display: flex;
            flex-direction: column; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
  .thread h2 { font-size: .95rem; margin: 0; padding: .6rem .9rem; border-bottom: 1px solid #ddd; }
  .messages { padding: .6rem; display: flex; flex-direction: column; gap: .4rem;
              max-height: 640px; overflow-y: auto; }
  .message { max-width: 80%; padding: .45rem .7rem; border-radius: 14px; white-space: pre-wrap; }
  .out { background: #e4e6eb; align-self: flex-start; }
  .in { background: #0b84ff; color: #fff; align-self: flex-end; }
  .message time { display: block; font-size: .7rem; opacity: .7; }
  form { display: flex; gap: .4rem; padding: .6rem; border-top: 1px solid #ddd; }
  input { flex: 1; padding: .45rem; border: 1px solid #bbb; border-radius: 8px; }
  button { padding: .45rem .8rem; border: 0; border-radius: 8px; background: #0b84ff; color: #fff; }
  #empty { padding: 1rem; color: #555; }
  #state { font-size: .8rem; }
</style>
</head>
<body>
<header>
  <h1>Herald dev phone</h1>
  <p>What Herald texted each number, and what it replied.
    <span id="state">connecting…</span></p>
</header>
<main id="threads">
  <p id="empty">No texts yet: subscribe a phone with POST /subscriptions.</p>
</main>
<script>
"use strict";
const threads = document.getElementById("threads");
const state = document.getElementById("state");
const drafts = {};

function render(data) {
  const focused = document.activeElement && document.activeElement.dataset.phone;
  threads.replaceChildren();
  const numbers = Object.keys(data);
  if (numbers.length === 0) {
    const empty = document.createElement("p");
    empty.id = "empty";
    empty.textContent = "No texts yet: subscribe a phone with POST /subscriptions.";
    threads.append(empty);
  }
  for (const number of numbers) {
    const box = document.createElement("section");
    box.className = "thread";
    box.dataset.phone = number;
    const title = document.createElement("h2");
    title.textContent = number;
    const list = document.createElement("div");
    list.className = "messages";
    for (const m of data[number]) {
      const item = document.createElement("div");
      item.className = "message " + m.direction;
      item.textContent = m.body;
      const when = document.createElement("time");
      when.textContent = new Date(m.at).toLocaleTimeString();
      item.append(when);
      list.append(item);
    }
    const form = document.createElement("form");
    const input = document.createElement("input");
    input.placeholder = "Reply as " + number;
    input.setAttribute("aria-label", "Reply as " + number);
    input.dataset.phone = number;
    input.value = drafts[number] || "";
    input.addEventListener("input", () => { drafts[number] = input.value; });
    const send = document.createElement("button");
    send.type = "submit";
    send.textContent = "Send";
    form.append(input, send);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = input.value;
      if (!body.trim()) return;
      const answer = await fetch("/dev/phone/" + encodeURIComponent(number) + "/replies", {
        method: "POST",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({body}),
      });
      if (answer.ok) { drafts[number] = ""; input.value = ""; }
      else { state.textContent = "reply refused: " + (await answer.json()).detail; }
    });
    box.append(title, list, form);
    threads.append(box);
    list.scrollTop = list.scrollHeight;
    if (focused === number) input.focus();
  }
}

const events = new EventSource("/dev/phone/events");
events.addEventListener("threads", (event) => render(JSON.parse(event.data)));
events.onopen = () => { state.textContent = "live"; };
events.onerror = () => { state.textContent = "reconnecting…"; };
</script>
</body>
</html>
"""
