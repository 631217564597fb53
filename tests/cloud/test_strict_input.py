"""Input the cloud takes only in its one documented form: money as decimal strings of
ASCII digits (no JSON numbers), product prices above 0.00 everywhere, a search for `%`
finds a percent sign, web addresses only where the pages put links, and a JWT secret
that is more than 32 characters of one letter. Token answers are never cached; the docs
page is locked down like the other pages."""
import io
import secrets

import pytest

from cloud import create_app
from tests.cloud.factories import PASSWORD


def new_product(world, **fields):
    return {"sku": "NEW-1", "name": "New Pie", "category_id": world.a.category_id, "price": "10000.00", **fields}


@pytest.mark.parametrize("price", [10000, 10000.5, "١٠٠٠٠.٠٠", "10000.00 ", "+10000.00", "1e4"])
def test_a_price_in_any_other_form_than_a_decimal_string_is_refused(client, world, price):
    response = client.post("/api/products/", json=new_product(world, price=price),
                           headers=world.headers("tenant_owner"))
    assert (response.status_code, response.json["code"], response.json["field"]) == (400, "INVALID_PRICE", "price")


@pytest.mark.parametrize("price", ["0.00", "0", "-1.00"])
def test_a_product_price_of_zero_or_less_is_refused_with_one_message(client, world, price):
    response = client.post("/api/products/", json=new_product(world, price=price),
                           headers=world.headers("tenant_owner"))
    assert response.status_code == 400
    assert (response.json["code"], response.json["message"]) == ("INVALID_PRICE", "Product price must be positive")


def test_an_outlet_price_of_zero_is_refused_too(client, world):
    response = client.post(f"/api/outlets/{world.a.outlet_id}/products/",
                           json={"product_id": world.a.product_id, "price": "0.00"},
                           headers=world.headers("tenant_owner"))
    assert (response.status_code, response.json["message"]) == (400, "Product price must be positive")


def test_a_csv_row_priced_zero_is_refused_like_the_api(client, world):
    upload = {"file": (io.BytesIO(b"sku,name,category,price\nFREE-1,Free Water,Drinks,0.00\n"), "menu.csv")}
    response = client.post("/api/products/import/", data=upload, content_type="multipart/form-data",
                           headers=world.headers("tenant_owner"))
    assert response.status_code == 400
    assert response.json["rows"][0]["message"] == "Product price must be positive"


def test_a_modifier_may_still_cost_nothing(client, world):
    response = client.post(f"/api/products/{world.a.product_id}/modifiers/", headers=world.headers("tenant_owner"),
                           json={"name": "Extras", "modifiers": [{"name": "Basil", "price": "0.00"}]})
    assert response.status_code == 201


def test_a_rate_as_a_json_number_is_refused(client, world):
    response = client.patch(f"/api/tenants/{world.a.tenant_id}/", json={"tax_rate": 10},
                            headers=world.headers("tenant_owner"))
    assert (response.status_code, response.json["field"]) == (400, "tax_rate")


@pytest.mark.parametrize("path", ["/api/products/", "/api/customers/", "/api/orders/", "/api/categories/",
                                  "/api/users/"])
@pytest.mark.parametrize("term", ["%", "%%", "\\", "a%_%r"])
def test_a_search_for_a_wildcard_character_is_a_literal(client, world, path, term):
    response = client.get(path, query_string={"search": term}, headers=world.headers("tenant_owner"))
    assert response.status_code == 200
    assert response.json["count"] == 0, response.json["results"]


def test_a_search_with_a_percent_sign_finds_the_name_that_has_one(client, world):
    owner = world.headers("tenant_owner")
    made = client.post("/api/products/", json=new_product(world, name="Pie 100% butter"), headers=owner)
    assert made.status_code == 201
    found = client.get("/api/products/", query_string={"search": "0% b"}, headers=owner).json
    assert [p["name"] for p in found["results"]] == ["Pie 100% butter"]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>x</script>",
                                 "//evil.example/x.png", " https://x.test/a.png"])
def test_image_and_logo_urls_are_web_addresses_only(client, world, url):
    owner = world.headers("tenant_owner")
    product = client.post("/api/products/", json=new_product(world, image_url=url), headers=owner)
    logo = client.patch(f"/api/tenants/{world.a.tenant_id}/", json={"logo_url": url}, headers=owner)
    assert (product.status_code, product.json["field"]) == (400, "image_url")
    assert (logo.status_code, logo.json["field"]) == (400, "logo_url")


def test_web_addresses_and_none_are_still_taken(client, world):
    owner = world.headers("tenant_owner")
    product = client.post("/api/products/", json=new_product(world, image_url="https://cdn.test/pie.png"),
                          headers=owner)
    assert product.status_code == 201
    assert client.patch(f"/api/products/{product.json['id']}/", json={"image_url": None},
                        headers=owner).status_code == 200
    assert client.patch(f"/api/tenants/{world.a.tenant_id}/", json={"logo_url": ""}, headers=owner).status_code == 200


def test_a_csv_row_with_a_javascript_image_url_is_refused(client, world):
    upload = {"file": (io.BytesIO(b"sku,name,category,price,image_url\nJS-1,Pie,Pies,1.00,javascript:alert(1)\n"),
                       "menu.csv")}
    response = client.post("/api/products/import/", data=upload, content_type="multipart/form-data",
                           headers=world.headers("tenant_owner"))
    assert response.status_code == 400 and "image_url" in response.json["rows"][0]["message"]


def test_token_answers_are_never_cached(client, world):
    login = client.post("/api/auth/login/", json={"username": "aa_manager", "password": PASSWORD})
    refreshed = client.post("/api/auth/refresh/", json={"refresh": login.json["refresh"]})
    for response in (login, refreshed):
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_the_docs_page_sends_the_pages_security_headers(client):
    response = client.get("/api/docs/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "'unsafe-inline'" not in csp.split(
        "style-src")[0]
    assert "'sha256-" in csp  # its one inline script, by hash
    assert response.headers["X-Frame-Options"] == "DENY" and response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("secret", ["a" * 64, "ab" * 32, "0123456789abcdef"[:9] * 8])
def test_a_secret_of_few_distinct_characters_is_refused(secret, tmp_path):
    with pytest.raises(SystemExit) as stopped:
        create_app({"JWT_SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                    "DEBUG": False, "DEMO": False, "TESTING": False})
    assert "different characters" in str(stopped.value)


def test_a_random_secret_is_taken(tmp_path):
    for secret in (secrets.token_urlsafe(48), secrets.token_hex(32)):
        app = create_app({"JWT_SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                          "DEBUG": False, "DEMO": False, "TESTING": False})
        assert app.config["JWT_SECRET_KEY"] == secret
