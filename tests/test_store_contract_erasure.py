"""The erasure calls of the Store contract (delete one document, drop a team, drop a tenant, a tenant's jobs),
run over every implementation: what goes is gone after a restart, and nothing of another team or tenant goes with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.models import Action, Response, ScheduledJob, Team
from bot.store import Store
from tests.test_store_contract import (
    at,
    make_action,
    make_job,
    make_response,
    make_team,
    team_key,
    tenant_key,
)

MakeStore = Callable[[], Store]
TENANT = tenant_key("t1", "teams")
OTHER = tenant_key("t1", "slack")
TTL = timedelta(days=1)


def job_in(team_id: str, job_id: str, tenant: object = TENANT) -> ScheduledJob:
    return make_job(job_id).model_copy(update={"team": team_key(team_id, tenant)})  # type: ignore[arg-type]


class TestDeleteContract:
    async def test_delete_removes_one_document_and_says_whether_there_was_one(self, store: Store) -> None:
        team = team_key("g1", TENANT)
        await store.put(team, make_action("act-1"))
        await store.put(team, make_action("act-2"))

        assert await store.delete(team, Action, "act-1") is True
        assert await store.delete(team, Action, "act-1") is False
        assert await store.get(team, Action, "act-1") is None
        assert [a.id for a in await store.find(team, Action)] == ["act-2"]

    async def test_a_delete_survives_close_and_reopen(self, make_store: MakeStore) -> None:
        team = team_key("g1", TENANT)
        async with make_store() as store:
            await store.put(team, make_response(author_id="u1"))
            await store.put(team, make_response(author_id="u2"))
            await store.delete(team, Response, make_response(author_id="u1").doc_id)

        async with make_store() as reopened:
            assert [r.author_id for r in await reopened.find(team, Response)] == ["u2"]

    async def test_delete_of_the_same_id_in_another_team_or_tenant_leaves_it(self, store: Store) -> None:
        for team in (team_key("g1", TENANT), team_key("g2", TENANT), team_key("g1", OTHER)):
            await store.put(team, make_action("act-1"))

        await store.delete(team_key("g1", TENANT), Action, "act-1")

        assert await store.get(team_key("g2", TENANT), Action, "act-1") is not None
        assert await store.get(team_key("g1", OTHER), Action, "act-1") is not None


class TestDropContract:
    async def test_drop_team_removes_all_of_it_and_counts_what_went(self, make_store: MakeStore) -> None:
        gone, kept = team_key("g1", TENANT), team_key("g2", TENANT)
        async with make_store() as store:
            for team in (gone, kept):
                await store.put(team, make_team(team.team_id))
                await store.put(team, make_action())
                await store.put(team, make_response())
            assert await store.drop_team(gone) == 3
            assert await store.drop_team(gone) == 0

        async with make_store() as reopened:
            assert await reopened.get(gone, Team, "g1") is None
            assert await reopened.find(gone, Action) == []
            assert await reopened.get(kept, Team, "g2") is not None
            assert len(await reopened.find(kept, Response)) == 1

    async def test_a_dropped_team_can_be_written_again(self, store: Store) -> None:
        team = team_key("g1", TENANT)
        await store.put(team, make_action("act-1"))
        await store.drop_team(team)

        await store.put(team, make_action("act-2"))

        assert [a.id for a in await store.find(team, Action)] == ["act-2"]

    async def test_drop_tenant_removes_its_teams_and_records_but_no_other_tenants(self, make_store: MakeStore) -> None:
        async with make_store() as store:
            for tenant in (TENANT, OTHER):
                await store.put(team_key("g1", tenant), make_team("g1"))
                await store.put(team_key("user:u1", tenant), make_action())
                await store.set_membership(team_key("g1", tenant), "u1", "lead")
                await store.claim_delivery(tenant, "activity-1", at(), timedelta(hours=1))
            assert await store.drop_tenant(TENANT) >= 4

        async with make_store() as reopened:
            assert await reopened.get(team_key("g1", TENANT), Team, "g1") is None
            assert await reopened.find(team_key("user:u1", TENANT), Action) == []
            assert await reopened.teams_of(TENANT, "u1") == []
            assert await reopened.claim_delivery(TENANT, "activity-1", at(), timedelta(hours=1)) is True
            assert await reopened.get(team_key("g1", OTHER), Team, "g1") is not None
            assert await reopened.teams_of(OTHER, "u1") == [(team_key("g1", OTHER), "lead")]
            assert await reopened.claim_delivery(OTHER, "activity-1", at(), timedelta(hours=1)) is False

    async def test_dropping_an_unknown_tenant_removes_nothing(self, store: Store) -> None:
        await store.put(team_key("g1", TENANT), make_team("g1"))

        assert await store.drop_tenant(tenant_key("nobody", "slack")) == 0
        assert await store.get(team_key("g1", TENANT), Team, "g1") is not None


class TestJobsOfContract:
    async def test_jobs_of_lists_a_tenants_or_a_teams_jobs_in_any_status(self, store: Store) -> None:
        await store.add_job(job_in("g1", "j1"))
        await store.add_job(job_in("g2", "j2"))
        await store.add_job(job_in("g1", "j3", OTHER))
        await store.cancel_job(team_key("g2", TENANT), "j2")

        assert sorted(j.id for j in await store.jobs_of(TENANT)) == ["j1", "j2"]
        assert [j.id for j in await store.jobs_of(TENANT, "g1")] == ["j1"]
        assert [j.id for j in await store.jobs_of(OTHER)] == ["j3"]

    async def test_remove_job_deletes_it_for_good(self, make_store: MakeStore) -> None:
        async with make_store() as store:
            await store.add_job(job_in("g1", "j1"))
            assert await store.remove_job(team_key("g1", TENANT), "j1") is True
            assert await store.remove_job(team_key("g1", TENANT), "j1") is False

        async with make_store() as reopened:
            assert await reopened.get_job(team_key("g1", TENANT), "j1") is None
            assert await reopened.jobs_of(TENANT) == []


class TestForgetDeliveriesContract:
    async def test_a_persons_older_claims_go_and_their_newest_and_everyone_elses_stay(self, make_store: MakeStore) -> None:
        async with make_store() as store:
            await store.claim_delivery(TENANT, "old-1", at(0), TTL, owner="tag-u1")
            await store.claim_delivery(TENANT, "old-2", at(60), TTL, owner="tag-u1")
            await store.claim_delivery(TENANT, "now", at(3600), TTL, owner="tag-u1")
            await store.claim_delivery(TENANT, "theirs", at(0), TTL, owner="tag-u2")
            await store.claim_delivery(TENANT, "nobodys", at(0), TTL)
            await store.claim_delivery(OTHER, "old-1", at(0), TTL, owner="tag-u1")

            assert await store.forget_deliveries(TENANT, "tag-u1", keep=timedelta(minutes=5)) == 2

        async with make_store() as reopened:
            assert await reopened.claim_delivery(TENANT, "old-1", at(3600), TTL) is True
            assert await reopened.claim_delivery(TENANT, "old-2", at(3600), TTL) is True
            for key in ("now", "theirs", "nobodys"):
                assert await reopened.claim_delivery(TENANT, key, at(3600), TTL) is False
            assert await reopened.claim_delivery(OTHER, "old-1", at(3600), TTL) is False

    async def test_forgetting_a_person_with_no_claims_removes_nothing(self, store: Store) -> None:
        await store.claim_delivery(TENANT, "ev", at(0), TTL, owner="tag-u2")

        assert await store.forget_deliveries(TENANT, "tag-u1", keep=timedelta(minutes=5)) == 0
        assert await store.claim_delivery(TENANT, "ev", at(1), TTL) is False


class TestFormerTeamsContract:
    async def test_former_teams_are_listed_per_person_and_tenant_until_cleared(self, make_store: MakeStore) -> None:
        async with make_store() as store:
            await store.set_former(team_key("g2", TENANT), "u1", True)
            await store.set_former(team_key("g1", TENANT), "u1", True)
            await store.set_former(team_key("g1", TENANT), "u1", True)
            await store.set_former(team_key("g1", OTHER), "u2", True)

        async with make_store() as reopened:
            assert await reopened.former_teams_of(TENANT, "u1") == [team_key("g1", TENANT), team_key("g2", TENANT)]
            assert await reopened.former_teams_of(OTHER, "u1") == []
            await reopened.set_former(team_key("g1", TENANT), "u1", False)
            await reopened.set_former(team_key("g2", TENANT), "u1", False)
            assert await reopened.former_teams_of(TENANT, "u1") == []
            assert await reopened.former_teams_of(OTHER, "u2") == [team_key("g1", OTHER)]


class TestForgetPersonRecordsContract:
    async def test_a_persons_tenant_records_go_and_nobody_elses(self, make_store: MakeStore) -> None:
        async with make_store() as store:
            for user in ("u1", "u2"):
                await store.set_membership(team_key("g1", TENANT), user, "member")
                await store.set_former(team_key("g2", TENANT), user, True)
                await store.add_action_space(team_key("g3", TENANT), user)
            await store.set_membership(team_key("g1", OTHER), "u1", "lead")

            await store.forget_person_records(TENANT, "u1")

        async with make_store() as reopened:
            assert await reopened.teams_of(TENANT, "u1") == []
            assert await reopened.former_teams_of(TENANT, "u1") == []
            assert await reopened.action_spaces(TENANT, "u1") == []
            assert await reopened.teams_of(TENANT, "u2") == [(team_key("g1", TENANT), "member")]
            assert await reopened.action_spaces(TENANT, "u2") == [team_key("g3", TENANT)]
            assert await reopened.teams_of(OTHER, "u1") == [(team_key("g1", OTHER), "lead")]
