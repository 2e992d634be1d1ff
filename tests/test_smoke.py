import pytest


@pytest.mark.django_db
def test_health_endpoint_answers(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
