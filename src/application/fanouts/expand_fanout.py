from datetime import datetime
from uuid import UUID

from application.fanouts.config import FanoutConfig
from application.fanouts.contents import Contents
from application.ports.clock import Clock
from application.ports.fanouts import Batch, FanoutRepository, Reached
from application.ports.notifications import SchedulerWakeup
from application.ports.transactions import TransactionManager
from application.templates.render_template import RenderTemplate
from domain.fanouts import Fanout, FanoutStatus, Member, Skipped
from domain.ids import new_ids
from domain.notifications import deferred_detail


class ExpandFanout:
    """Expand one part of a fan-out into notifications, batch by batch.

    Rules: a batch is one transaction. The part is locked (`claim`), up to `batch` of
    its subscribers after its cursor are read, each gets one notification per channel
    it is reached on (`Member.reach`; the content rendered for them; held until their
    quiet hours end unless the trigger is urgent), and the notifications are stored
    with the part's new cursor, counts and lease. A crash loses only the batch in
    flight, which the next run makes again; the unique key refuses a second
    notification of a recipient and channel. The run stops when the part is done, the
    fan-out is no longer expanding (canceled), or the part's cursor is not the one this
    run wrote last (a second run took over after the lease ran out). The last batch of a
    part marks the fan-out expanded if every other part is done too. The scheduler is
    woken after each batch. Returns the notifications made.
    """

    def __init__(
        self,
        fanouts: FanoutRepository,
        render: RenderTemplate,
        wakeup: SchedulerWakeup,
        clock: Clock,
        tx: TransactionManager,
        config: FanoutConfig,
    ) -> None:
        self._fanouts = fanouts
        self._render = render
        self._wakeup = wakeup
        self._clock = clock
        self._tx = tx
        self._config = config

    async def __call__(self, fanout_id: UUID, part: int) -> int:
        fanout = await self._fanouts.get(fanout_id)
        await self._tx.rollback()  # read outside the batches' transactions
        if fanout is None or fanout.status is not FanoutStatus.EXPANDING:
            return 0
        contents = Contents(fanout.message, self._render)
        made = 0
        wrote: UUID | None = None
        first = True
        while True:
            claim = await self._fanouts.claim(fanout_id, part)
            if claim is None or (not first and claim.cursor != wrote):
                await self._tx.rollback()
                break
            first = False
            members = await self._fanouts.members(fanout, part, claim.cursor, self._config.batch)
            now = self._clock.now()
            items, skipped = await self._notifications(fanout, members, contents, now)
            done = len(members) < self._config.batch
            wrote = members[-1].recipient_id if members else claim.cursor
            batch = Batch(wrote, skipped, done, now + self._config.lease, now, fanout.sendtime)
            await self._fanouts.store_batch(fanout_id, part, items, batch)
            if done:
                await self._fanouts.finish(fanout_id, now)
            await self._tx.commit()
            made += len(items)
            if items:
                await self._wakeup.notify(min(i.due_at for i in items))
            if done:
                break
        return made

    async def _notifications(
        self, fanout: Fanout, members: list[Member], contents: Contents, now: datetime
    ) -> tuple[list[Reached], Skipped]:
        due = max(fanout.sendtime, now)
        ids = iter(new_ids(len(members) * len(fanout.channels)))
        items: list[Reached] = []
        off = opted_out = no_address = unrenderable = 0
        for member in members:
            reached, missed = member.reach(fanout.channels)
            off += missed.channel_off
            opted_out += missed.opted_out
            no_address += missed.no_address
            deferral = None
            quiet, zone = member.quiet_hours, member.timezone
            if reached and not fanout.urgent and quiet is not None and zone is not None:
                deferral = quiet.deferral(due, zone)
            detail = None if deferral is None else deferred_detail(due, quiet, deferral)
            group: UUID | None = None
            for channel, address in reached:
                content = await contents.of(member, channel)
                if content is None:
                    unrenderable += 1
                    continue
                nid = next(ids)
                group = group or nid  # the first of a recipient's is the group's id
                items.append(
                    Reached(
                        nid, member.recipient_id, member.user_id, group, channel, address,
                        content, deferral or due, detail,
                    )
                )  # fmt: skip
        return items, Skipped(off, opted_out, no_address, unrenderable)
