"""The tenant-scoped calls of the Store contract (memberships, inbound deduplication), run over every implementation.

Both are found without opening any team's data, and neither ever shows one tenant's
records to another, even when the ids are the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.keys import TenantKey
from bot.records import Delivery
from bot.store import Store
from tests.test_store_contract import at, team_key, tenant_key

MakeStore = Callable[[], Store]
TTL = timedelta(minutes=15)
TENANT = tenant_key("t1", "teams")
OTHER_TENANTS = [
    pytest.param(tenant_key("t2", "teams"), id="another-tenant"),
    pytest.param(tenant_key("t1", "slack"), id="another-platform"),
]


class TestMembershipContract:
    async def test_teams_of_lists_every_team_a_person_is_in_with_their_role(self, store: Store) -> None:
        await store.set_membership(team_key("g2", TENANT), "u1", "member")
        await store.set_membership(team_key("g1", TENANT), "u1", "lead")
        await store.set_membership(team_key("g3", TENANT), "u2", "lead")

        assert await store.teams_of(TENANT, "u1") == [(team_key("g1", TENANT), "lead"), (team_key("g2", TENANT), "member")]
        assert await store.teams_of(TENANT, "u2") == [(team_key("g3", TENANT), "lead")]
        assert await store.teams_of(TENANT, "nobody") == []

    async def test_setting_a_new_role_replaces_the_old_one(self, store: Store) -> None:
        await store.set_membership(team_key("g1", TENANT), "u1", "member")

        await store.set_membership(team_key("g1", TENANT), "u1", "lead")

        assert await store.teams_of(TENANT, "u1") == [(team_key("g1", TENANT), "lead")]

    async def test_removing_a_membership_keeps_the_persons_other_teams(self, store: Store) -> None:
        await store.set_membership(team_key("g1", TENANT), "u1", "lead")
        await store.set_membership(team_key("g2", TENANT), "u1", "member")

        await store.set_membership(team_key("g1", TENANT), "u1", None)
        assert await store.teams_of(TENANT, "u1") == [(team_key("g2", TENANT), "member")]

        await store.set_membership(team_key("g2", TENANT), "u1", None)
        await store.set_membership(team_key("g9", TENANT), "u1", None)
        assert await store.teams_of(TENANT, "u1") == []

    @pytest.mark.parametrize("other", OTHER_TENANTS)
    async def test_another_tenant_never_sees_memberships_with_the_same_ids(
        self, store: Store, other: TenantKey
    ) -> None:
        await store.set_membership(team_key("g1", TENANT), "u1", "lead")
        assert await store.teams_of(other, "u1") == []

        await store.set_membership(team_key("g1", other), "u1", "member")
        await store.set_membership(team_key("g1", other), "u1", None)

        assert await store.teams_of(TENANT, "u1") == [(team_key("g1", TENANT), "lead")]
        assert await store.teams_of(other, "u1") == []

    async def test_memberships_survive_close_and_reopen(self, make_store: MakeStore) -> None:
        slack = tenant_key("T9", "slack")
        async with make_store() as store:
            await store.set_membership(team_key("g1", TENANT), "u1", "lead")
            await store.set_membership(team_key("g2", TENANT), "u1", "member")
            await store.set_membership(team_key("g2", TENANT), "u1", None)
            await store.set_membership(team_key("g1", slack), "U1", "member")

        async with make_store() as reopened:
            assert await reopened.teams_of(TENANT, "u1") == [(team_key("g1", TENANT), "lead")]
            assert await reopened.teams_of(slack, "U1") == [(team_key("g1", slack), "member")]


class TestDeliveryContract:
    async def test_the_first_claim_is_true_and_a_redelivery_is_false(self, store: Store) -> None:
        assert await store.claim_delivery(TENANT, "conv-1/act-1", at(0), TTL) is True
        assert await store.claim_delivery(TENANT, "conv-1/act-1", at(60), TTL) is False
        assert await store.claim_delivery(TENANT, "conv-1/act-2", at(60), TTL) is True

    async def test_a_claim_can_be_made_again_once_it_expires(self, store: Store) -> None:
        await store.claim_delivery(TENANT, "Ev1", at(0), TTL)

        assert await store.claim_delivery(TENANT, "Ev1", at(0) + TTL - timedelta(seconds=1), TTL) is False
        assert await store.claim_delivery(TENANT, "Ev1", at(0) + TTL, TTL) is True
        assert await store.claim_delivery(TENANT, "Ev1", at(0) + TTL, TTL) is False

    async def test_a_released_claim_lets_the_retry_be_processed(self, store: Store) -> None:
        await store.claim_delivery(TENANT, "Ev1", at(0), TTL)

        await store.release_delivery(TENANT, "Ev1")
        await store.release_delivery(TENANT, "never-claimed")

        assert await store.claim_delivery(TENANT, "Ev1", at(1), TTL) is True
        assert await store.claim_delivery(TENANT, "Ev1", at(2), TTL) is False

    async def test_of_concurrent_claims_of_one_delivery_exactly_one_is_true(self, store: Store) -> None:
        results = await asyncio.gather(*(store.claim_delivery(TENANT, "Ev1", at(0), TTL) for _ in range(20)))

        assert results.count(True) == 1

    @pytest.mark.parametrize("other", OTHER_TENANTS)
    async def test_claims_in_another_tenant_are_separate(self, store: Store, other: TenantKey) -> None:
        await store.claim_delivery(TENANT, "Ev1", at(0), TTL)

        assert await store.claim_delivery(other, "Ev1", at(1), TTL) is True
        await store.release_delivery(other, "Ev1")
        assert await store.claim_delivery(TENANT, "Ev1", at(2), TTL) is False

    async def test_long_keys_are_claimed_whole(self, store: Store) -> None:
        prefix = "19:" + "c" * 3000
        await store.claim_delivery(TENANT, prefix + "/1", at(0), TTL)

        assert await store.claim_delivery(TENANT, prefix + "/1", at(1), TTL) is False
        assert await store.claim_delivery(TENANT, prefix + "/2", at(1), TTL) is True

    async def test_a_claim_needs_a_key_and_a_positive_ttl(self, store: Store) -> None:
        with pytest.raises(ValueError):
            await store.claim_delivery(TENANT, "Ev1", at(0), timedelta(0))
        with pytest.raises(ValueError):
            await store.claim_delivery(TENANT, "", at(0), TTL)

    async def test_a_claim_survives_close_and_reopen(self, make_store: MakeStore) -> None:
        async with make_store() as store:
            assert await store.claim_delivery(TENANT, "Ev1", at(0), TTL) is True

        async with make_store() as reopened:
            assert await reopened.claim_delivery(TENANT, "Ev1", at(60), TTL) is False

    async def test_expired_claims_are_pruned_even_after_a_restart(self, make_store: MakeStore) -> None:
        other = tenant_key("t2", "teams")
        async with make_store() as store:
            for n in range(5):
                await store.claim_delivery(TENANT, f"old-{n}", at(0), TTL)
            await store.claim_delivery(other, "theirs", at(0), TTL)

        async with make_store() as reopened:
            await reopened.claim_delivery(TENANT, "fresh", at(0) + TTL, TTL)

            kept = await reopened._find_records(TENANT, Delivery)
            assert [d.expires_at for d in kept] == [at(0) + 2 * TTL]
            assert len(await reopened._find_records(other, Delivery)) == 1


class TestActionSpacesContract:
    async def test_each_space_is_noted_once_in_the_order_first_noted_and_survives_reopen(self, make_store: MakeStore) -> None:
        async with make_store() as store:
            await store.add_action_space(team_key("user:u2", TENANT), "u1")
            await store.add_action_space(team_key("g1", TENANT), "u1")
            await store.add_action_space(team_key("user:u2", TENANT), "u1")

            assert await store.action_spaces(TENANT, "u1") == [team_key("user:u2", TENANT), team_key("g1", TENANT)]
            assert await store.action_spaces(TENANT, "nobody") == []
        async with make_store() as reopened:
            assert await reopened.action_spaces(TENANT, "u1") == [team_key("user:u2", TENANT), team_key("g1", TENANT)]

    @pytest.mark.parametrize("other", OTHER_TENANTS)
    async def test_another_tenant_never_sees_action_spaces_with_the_same_ids(self, store: Store, other: TenantKey) -> None:
        await store.add_action_space(team_key("g1", TENANT), "u1")

        assert await store.action_spaces(other, "u1") == []
