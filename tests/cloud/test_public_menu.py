"""What anonymous callers (menus, kiosks), cashiers and cooks see of the catalog: the
published products at their approved values. A change waiting for approval, a product
never approved, and which products have something pending stay with managers."""
import pytest


@pytest.fixture
def pending(client, world):
    """A price change of a's published pizza, and a new product, both awaiting the owner."""
    manager = world.headers("manager")
    repriced = client.patch(f"/api/products/{world.a.product_id}/", json={"price": "99999.00"}, headers=manager)
    assert repriced.json["pending_changes"] == {"price": "99999.00"}
    new = client.post("/api/products/", headers=manager, json={
        "sku": "WAIT-1", "name": "Waiting Pie", "category_id": world.a.category_id, "price": "5000.00"})
    assert new.json["status"] == "pending_approval"
    return new.json["id"]


def viewers(world):
    return {"anonymous": {"X-Tenant-ID": str(world.a.tenant_id)}, "cashier": world.headers("cashier"),
            "kitchen": world.headers("kitchen")}


def test_lists_show_approved_values_and_nothing_pending(client, world, pending):
    for who, headers in viewers(world).items():
        rows = client.get("/api/products/", headers=headers).json["results"]
        assert [row["sku"] for row in rows] == ["AA-PZ"], who
        assert "pending_changes" not in rows[0] and "review_note" not in rows[0], who
        assert (rows[0]["status"], rows[0]["price"]) == ("approved", "95000.00"), who


def test_filtering_by_status_reveals_nothing_pending(client, world, pending):
    for who, headers in viewers(world).items():
        for status in ("pending_approval", "draft", "rejected"):
            listed = client.get(f"/api/products/?status={status}", headers=headers).json
            assert listed["count"] == 0, (who, status)
        assert client.get("/api/products/?status=approved", headers=headers).json["count"] == 1, who


def test_one_product_read_shows_nothing_pending(client, world, pending):
    for who, headers in viewers(world).items():
        product = client.get(f"/api/products/{world.a.product_id}/", headers=headers).json
        assert "pending_changes" not in product and product["status"] == "approved", who
        assert client.get(f"/api/products/{pending}/", headers=headers).status_code == 404, who


def test_managers_still_see_what_awaits_approval(client, world, pending):
    rows = {row["sku"]: row for row in client.get("/api/products/", headers=world.headers("manager")).json["results"]}
    assert rows["AA-PZ"]["pending_changes"] == {"price": "99999.00"}
    assert rows["AA-PZ"]["status"] == "pending_approval" and rows["WAIT-1"]["status"] == "pending_approval"
