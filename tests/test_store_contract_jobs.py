"""The job calls of the Store contract, run over every implementation by the `make_store` / `store` fixtures.

Scheduled work must fire once across restarts and workers: claims are leased and exclusive,
a job whose lease ran out mid-send is reported as uncertain and never sent again, and only
the lease holder may move a job forward.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import JobStateError
from bot.keys import TeamKey
from bot.models import ScheduledJob
from bot.store import Store
from tests.test_store_contract import at, team_key, tenant_key

MakeStore = Callable[[], Store]
LEASE = timedelta(seconds=60)
HERE = team_key("g1", tenant_key("t1", "teams"))
PARIS = ZoneInfo("Europe/Paris")


def job(job_id: str = "job-1", *, team: TeamKey = HERE, due: int = 0) -> ScheduledJob:
    return ScheduledJob(id=job_id, team=team, kind="reminder", due_at=at(due), payload={"assessment_id": "a-1"})


async def claimed(store: Store, owner: str = "worker-a", *, now: int = 0, job_id: str = "job-1") -> ScheduledJob:
    """Add a due job and claim it, for tests that start from a held lease."""
    await store.add_job(job(job_id))
    won = await store.claim_job(HERE, job_id, owner=owner, now=at(now), lease=LEASE)
    assert won is not None and won.status == "claimed"
    return won


async def sending(store: Store, owner: str = "worker-a") -> ScheduledJob:
    await claimed(store, owner)
    return await store.mark_sending(HERE, "job-1", owner=owner, now=at(1))


class TestJobContract:
    # -- adding -------------------------------------------------------------

    async def test_an_added_job_is_pending_and_read_back_equal(self, store: Store) -> None:
        added = await store.add_job(job())

        assert added == job()
        assert await store.get_job(HERE, "job-1") == job()
        assert added.status == "pending" and added.attempts == 0 and added.lease_owner is None

    async def test_adding_an_existing_job_id_keeps_the_stored_job(self, store: Store) -> None:
        await store.add_job(job(due=60))

        again = await store.add_job(job(due=999))

        assert again == job(due=60)
        assert await store.get_job(HERE, "job-1") == job(due=60)

    async def test_adding_a_finished_job_again_does_not_revive_it(self, store: Store) -> None:
        await claimed(store)
        await store.finish_job(HERE, "job-1", owner="worker-a")

        again = await store.add_job(job())

        assert again.status == "done"
        assert await store.due_jobs(at(3600)) == []

    async def test_the_same_job_id_in_two_teams_is_two_jobs(self, store: Store) -> None:
        elsewhere = team_key("g1", tenant_key("t2", "teams"))
        await store.add_job(job(team=HERE, due=10))
        await store.add_job(job(team=elsewhere, due=20))

        mine = await store.get_job(HERE, "job-1")
        theirs = await store.get_job(elsewhere, "job-1")

        assert mine is not None and mine.due_at == at(10) and mine.team == HERE
        assert theirs is not None and theirs.due_at == at(20) and theirs.team == elsewhere
        assert await store.get_job(team_key("g2"), "job-1") is None

    # -- the due listing ----------------------------------------------------

    async def test_due_jobs_lists_every_tenant_team_and_platform_oldest_first(self, store: Store) -> None:
        teams = [
            team_key("g1", tenant_key("t1", "teams")),
            team_key("g2", tenant_key("t1", "teams")),
            team_key("g1", tenant_key("t2", "teams")),
            team_key("g1", tenant_key("t1", "slack")),
            team_key("g1", tenant_key("t1", "console")),
        ]
        for n, team in enumerate(teams):
            await store.add_job(job("due", team=team, due=50 - n))
            await store.add_job(job("later", team=team, due=500))

        due = await store.due_jobs(at(100))

        assert [(j.team, j.id) for j in due] == [(team, "due") for team in reversed(teams)]

    async def test_due_jobs_includes_a_job_due_exactly_now_and_honours_the_limit(self, store: Store) -> None:
        for n in range(5):
            await store.add_job(job(f"job-{n}", due=n))

        assert [j.id for j in await store.due_jobs(at(4))] == [f"job-{n}" for n in range(5)]
        assert [j.id for j in await store.due_jobs(at(4), limit=2)] == ["job-0", "job-1"]
        assert [j.id for j in await store.due_jobs(at(1))] == ["job-0", "job-1"]

    async def test_due_jobs_leaves_out_held_finished_and_cancelled_jobs(self, store: Store) -> None:
        await claimed(store, job_id="held")
        await claimed(store, job_id="finished")
        await store.finish_job(HERE, "finished", owner="worker-a")
        await store.add_job(job("cancelled"))
        await store.cancel_job(HERE, "cancelled")
        await store.add_job(job("waiting"))

        assert [j.id for j in await store.due_jobs(at(30))] == ["waiting"]

    async def test_due_jobs_orders_a_lapsed_lease_by_when_it_ran_out_and_reads_any_utc_offset(self, store: Store) -> None:
        await claimed(store, job_id="lapsed")  # leased at 0 for 60 s: ready again at 60
        in_paris = job("paris", due=0).model_copy(update={"due_at": at(30).astimezone(PARIS)})
        await store.add_job(in_paris)
        await store.add_job(job("later", due=90))

        assert [j.id for j in await store.due_jobs(at(59))] == ["paris"]
        assert [j.id for j in await store.due_jobs(at(120))] == ["paris", "lapsed", "later"]

    # -- claiming -----------------------------------------------------------

    async def test_of_concurrent_claimers_exactly_one_wins(self, store: Store) -> None:
        await store.add_job(job())
        owners = [f"worker-{n}" for n in range(12)]

        results = await asyncio.gather(
            *(store.claim_job(HERE, "job-1", owner=owner, now=at(5), lease=LEASE) for owner in owners)
        )

        winners = [result for result in results if result is not None]
        assert len(winners) == 1
        stored = await store.get_job(HERE, "job-1")
        assert stored == winners[0]
        assert stored.status == "claimed" and stored.lease_owner in owners
        assert stored.lease_until == at(5) + LEASE and stored.attempts == 1

    async def test_a_job_not_yet_due_or_missing_cannot_be_claimed(self, store: Store) -> None:
        await store.add_job(job(due=100))

        assert await store.claim_job(HERE, "job-1", owner="worker-a", now=at(99), lease=LEASE) is None
        assert await store.claim_job(HERE, "absent", owner="worker-a", now=at(99), lease=LEASE) is None
        assert await store.get_job(HERE, "job-1") == job(due=100)
        assert await store.get_job(HERE, "absent") is None

    async def test_a_claimed_job_is_free_again_only_once_its_lease_runs_out(self, store: Store) -> None:
        await claimed(store, "worker-a", now=0)

        assert await store.claim_job(HERE, "job-1", owner="worker-b", now=at(59), lease=LEASE) is None
        assert await store.due_jobs(at(59)) == []
        assert [j.id for j in await store.due_jobs(at(60))] == ["job-1"]

        retaken = await store.claim_job(HERE, "job-1", owner="worker-b", now=at(60), lease=LEASE)

        assert retaken is not None
        assert retaken.lease_owner == "worker-b" and retaken.attempts == 2
        with pytest.raises(JobStateError):
            await store.mark_sending(HERE, "job-1", owner="worker-a", now=at(61))

    async def test_a_lease_that_runs_out_while_sending_makes_the_job_uncertain_for_one_claimer(
        self, store: Store
    ) -> None:
        await sending(store, "worker-a")
        assert await store.due_jobs(at(59)) == []
        assert [j.id for j in await store.due_jobs(at(60))] == ["job-1"]

        results = await asyncio.gather(
            *(store.claim_job(HERE, "job-1", owner=f"worker-{n}", now=at(60), lease=LEASE) for n in range(6))
        )

        reports = [result for result in results if result is not None]
        assert len(reports) == 1
        assert reports[0].status == "uncertain" and reports[0].lease_owner == "worker-a"
        assert await store.due_jobs(at(10_000)) == []
        assert await store.claim_job(HERE, "job-1", owner="worker-z", now=at(10_000), lease=LEASE) is None
        assert await store.get_job(HERE, "job-1") == reports[0]

    # -- claiming many at once ----------------------------------------------

    async def test_claim_due_jobs_takes_the_oldest_ready_jobs_up_to_the_limit(self, store: Store) -> None:
        for n in range(5):
            await store.add_job(job(f"job-{n}", due=10 - n))
        await store.add_job(job("later", due=500))

        won = await store.claim_due_jobs(owner="worker-a", now=at(10), lease=LEASE, limit=3)

        assert [j.id for j in won] == ["job-4", "job-3", "job-2"]
        assert all(j.status == "claimed" and j.lease_owner == "worker-a" and j.attempts == 1 for j in won)
        assert [await store.get_job(HERE, j.id) for j in won] == won
        assert [j.id for j in await store.due_jobs(at(10))] == ["job-1", "job-0"]

    async def test_concurrent_batch_claimers_never_share_a_job(self, store: Store) -> None:
        ids = {f"job-{n:02d}" for n in range(30)}
        for job_id in sorted(ids):
            await store.add_job(job(job_id))

        async def keep_claiming(owner: str) -> list[str]:
            taken: list[str] = []
            while batch := await store.claim_due_jobs(owner=owner, now=at(5), lease=LEASE, limit=4):
                taken += [j.id for j in batch]
            return taken

        results = await asyncio.gather(*(keep_claiming(f"worker-{n}") for n in range(3)))

        claimed = [job_id for taken in results for job_id in taken]
        assert sorted(claimed) == sorted(ids)
        for owner, taken in enumerate(results):
            for job_id in taken:
                stored = await store.get_job(HERE, job_id)
                assert stored is not None and stored.lease_owner == f"worker-{owner}"

    async def test_a_batch_claim_reports_a_job_left_mid_send_as_uncertain_and_never_hands_it_out(
        self, store: Store
    ) -> None:
        await sending(store, "worker-a")

        won = await store.claim_due_jobs(owner="worker-b", now=at(60), lease=LEASE)

        assert [(j.id, j.status, j.lease_owner) for j in won] == [("job-1", "uncertain", "worker-a")]
        assert await store.claim_due_jobs(owner="worker-c", now=at(10_000), lease=LEASE) == []

    # -- sending and finishing ----------------------------------------------

    async def test_the_lease_holder_marks_sending_and_then_done(self, store: Store) -> None:
        await claimed(store, "worker-a")

        marked = await store.mark_sending(HERE, "job-1", owner="worker-a", now=at(30))
        done = await store.finish_job(HERE, "job-1", owner="worker-a")

        assert marked.status == "sending"
        assert done.status == "done" and done.attempts == 1
        assert await store.get_job(HERE, "job-1") == done

    async def test_nobody_but_the_lease_holder_may_mark_sending_or_finish(self, store: Store) -> None:
        held = await claimed(store, "worker-a")

        with pytest.raises(JobStateError):
            await store.mark_sending(HERE, "job-1", owner="worker-b", now=at(1))
        with pytest.raises(JobStateError):
            await store.finish_job(HERE, "job-1", owner="worker-b")
        with pytest.raises(JobStateError):
            await store.finish_job(HERE, "job-1", owner="worker-b", error="boom")

        assert await store.get_job(HERE, "job-1") == held

    async def test_marking_sending_after_the_lease_ran_out_is_refused(self, store: Store) -> None:
        held = await claimed(store, "worker-a", now=0)

        with pytest.raises(JobStateError):
            await store.mark_sending(HERE, "job-1", owner="worker-a", now=at(60))

        assert await store.get_job(HERE, "job-1") == held

    async def test_calls_on_a_missing_job_are_refused(self, store: Store) -> None:
        with pytest.raises(JobStateError):
            await store.mark_sending(HERE, "absent", owner="worker-a", now=at(0))
        with pytest.raises(JobStateError):
            await store.finish_job(HERE, "absent", owner="worker-a")
        with pytest.raises(JobStateError):
            await store.reschedule_job(HERE, "absent", at(10))
        assert await store.cancel_job(HERE, "absent") is None
        assert await store.get_job(HERE, "absent") is None

    async def test_a_failure_is_final_and_keeps_a_bounded_reason(self, store: Store) -> None:
        await sending(store, "worker-a")

        failed = await store.finish_job(HERE, "job-1", owner="worker-a", error="x" * 900)

        assert failed.status == "failed" and failed.last_error == "x" * 500
        assert await store.due_jobs(at(10_000)) == []
        with pytest.raises(JobStateError):
            await store.finish_job(HERE, "job-1", owner="worker-a")

    async def test_the_holder_may_still_settle_a_job_its_lost_lease_left_uncertain(self, store: Store) -> None:
        await sending(store, "worker-a")
        await store.claim_job(HERE, "job-1", owner="worker-b", now=at(61), lease=LEASE)

        with pytest.raises(JobStateError):
            await store.finish_job(HERE, "job-1", owner="worker-b")
        settled = await store.finish_job(HERE, "job-1", owner="worker-a")

        assert settled.status == "done"

    # -- rescheduling and cancelling ----------------------------------------

    async def test_the_holders_retry_keeps_attempts_and_reason_and_fires_at_the_new_time(self, store: Store) -> None:
        await sending(store, "worker-a")

        retry = await store.reschedule_job(HERE, "job-1", at(300), owner="worker-a", error="rate limited")

        assert retry.status == "pending" and retry.due_at == at(300)
        assert retry.attempts == 1 and retry.last_error == "rate limited"
        assert retry.lease_owner is None and retry.lease_until is None
        assert await store.due_jobs(at(299)) == []
        again = await store.claim_job(HERE, "job-1", owner="worker-b", now=at(300), lease=LEASE)
        assert again is not None and again.attempts == 2

    async def test_rescheduling_without_a_lease_starts_a_finished_job_afresh(self, store: Store) -> None:
        await sending(store, "worker-a")
        await store.finish_job(HERE, "job-1", owner="worker-a", error="gone")

        next_week = await store.reschedule_job(HERE, "job-1", at(604_800))

        assert next_week.status == "pending" and next_week.due_at == at(604_800)
        assert next_week.attempts == 0 and next_week.last_error is None
        assert [j.id for j in await store.due_jobs(at(604_800))] == ["job-1"]

    async def test_nobody_moves_a_job_being_sent_but_its_holder(self, store: Store) -> None:
        in_flight = await sending(store, "worker-a")

        with pytest.raises(JobStateError):
            await store.reschedule_job(HERE, "job-1", at(300))
        with pytest.raises(JobStateError):
            await store.reschedule_job(HERE, "job-1", at(300), owner="worker-b")
        assert await store.cancel_job(HERE, "job-1") == in_flight

        assert await store.get_job(HERE, "job-1") == in_flight

    async def test_the_holder_defers_a_missed_job_as_late_and_a_later_retry_keeps_it_late(self, store: Store) -> None:
        await claimed(store, "worker-a")

        deferred = await store.defer_job(HERE, "job-1", at(3600), owner="worker-a", late=True)

        assert (deferred.status, deferred.due_at, deferred.late, deferred.attempts) == ("pending", at(3600), True, 0)
        assert deferred.lease_owner is None and await store.due_jobs(at(3599)) == []
        await store.claim_job(HERE, "job-1", owner="worker-b", now=at(3600), lease=LEASE)
        retry = await store.reschedule_job(HERE, "job-1", at(3700), owner="worker-b", error="429")
        assert retry.late is True
        assert (await store.reschedule_job(HERE, "job-1", at(9000))).late is False

    async def test_a_job_moved_out_of_quiet_hours_on_time_is_not_late(self, store: Store) -> None:
        await claimed(store, "worker-a")

        deferred = await store.defer_job(HERE, "job-1", at(3600), owner="worker-a", late=False)

        assert (deferred.status, deferred.late) == ("pending", False)

    async def test_only_the_holder_defers_and_never_once_sending(self, store: Store) -> None:
        await sending(store, "worker-a")

        with pytest.raises(JobStateError):
            await store.defer_job(HERE, "job-1", at(3600), owner="worker-a", late=True)
        with pytest.raises(JobStateError):
            await store.defer_job(HERE, "job-1", at(3600), owner="worker-b", late=True)
        assert (await store.get_job(HERE, "job-1")).status == "sending"  # type: ignore[union-attr]

    async def test_cancelling_a_claimed_job_stops_its_claimer_from_sending(self, store: Store) -> None:
        await claimed(store, "worker-a")

        cancelled = await store.cancel_job(HERE, "job-1")

        assert cancelled is not None and cancelled.status == "cancelled"
        with pytest.raises(JobStateError):
            await store.mark_sending(HERE, "job-1", owner="worker-a", now=at(1))
        assert await store.due_jobs(at(10_000)) == []

    async def test_a_finished_job_stays_finished_when_cancelled(self, store: Store) -> None:
        await claimed(store, "worker-a")
        done = await store.finish_job(HERE, "job-1", owner="worker-a")

        assert await store.cancel_job(HERE, "job-1") == done

    # -- durability ---------------------------------------------------------

    async def test_jobs_and_their_leases_survive_close_and_reopen(self, make_store: MakeStore) -> None:
        elsewhere = team_key("g7", tenant_key("t9", "slack"))
        async with make_store() as store:
            in_flight = await sending(store, "worker-a")
            await store.add_job(job("later", team=elsewhere, due=500))

        async with make_store() as reopened:
            assert await reopened.get_job(HERE, "job-1") == in_flight
            assert await reopened.claim_job(HERE, "job-1", owner="worker-b", now=at(30), lease=LEASE) is None
            assert [(j.team, j.id) for j in await reopened.due_jobs(at(500))] == [(HERE, "job-1"), (elsewhere, "later")]
            report = await reopened.claim_job(HERE, "job-1", owner="worker-b", now=at(500), lease=LEASE)
            assert report is not None and report.status == "uncertain"

        async with make_store() as again:
            assert [(j.team, j.id) for j in await again.due_jobs(at(500))] == [(elsewhere, "later")]
