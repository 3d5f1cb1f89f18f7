"""The benchmarks' and the load test's browser sessions: signed in past the second factor,
as a real sign-in leaves them (the bench measures pages, not the sign-in page)."""

import pytest

from cpcase.bench import page_client, signed_in_session

pytestmark = pytest.mark.django_db


def test_a_bench_session_passes_the_second_factor(social_worker):
    client = page_client(social_worker)
    response = client.get("/")
    assert response.status_code == 200
    assert response.wsgi_request.user == social_worker
    assert response.wsgi_request.user.is_verified()
    # Once made, the user's device is reused: a second session is as good as the first.
    assert signed_in_session(social_worker) != client.cookies["sessionid"].value
