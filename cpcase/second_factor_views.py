"""Browser pages for the second factor: set it up (QR code, key, a code, recovery
codes shown once) and pass it at each sign-in. Thin: the services decide."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.models import Device

from cpcase import second_factor
from cpcase.forms import SecondFactorCodeForm
from cpcase.views import AuthedRequest, call_service


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _passed(request: HttpRequest, device: Device) -> None:
    otp_login(request, device)
    # A new session id once the second factor is passed, as after a password.
    request.session.cycle_key()


@login_required
def second_factor_verify(request: AuthedRequest) -> HttpResponse:
    user = request.user
    # django_otp's OTPMiddleware gives the request's user is_verified(); the model has none.
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next(request))
    if not second_factor.is_enrolled(user):
        return redirect(f"{reverse('second-factor-enrol')}?{urlencode({'next': _next(request)})}")
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = call_service(
            form,
            lambda: second_factor.second_factor_verify(
                user=user,
                code=form.cleaned_data["code"],
            ),
        )
        if device is not None:
            _passed(request, device)
            return redirect(_next(request))
    return render(
        request, "registration/second_factor.html", {"form": form, "next": _next(request)}
    )


@login_required
def second_factor_enrol(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if second_factor.is_enrolled(user):
        return redirect(f"{reverse('second-factor')}?{urlencode({'next': _next(request)})}")
    device = second_factor.second_factor_enrolment_start(user=user)
    form = SecondFactorCodeForm(request.POST or None, recovery=False)
    if request.method == "POST" and form.is_valid():
        result = call_service(
            form,
            lambda: second_factor.second_factor_enrol(
                user=user,
                code=form.cleaned_data["code"],
            ),
        )
        if result is not None:
            confirmed, codes = result
            _passed(request, confirmed)
            # Shown in this answer alone: never stored where anyone could show them again.
            return render(
                request,
                "registration/recovery_codes.html",
                {"codes": codes, "next": _next(request)},
            )
    return render(
        request,
        "registration/second_factor_enrol.html",
        {
            "form": form,
            "next": _next(request),
            "qr_code": second_factor.qr_code_svg(device),
            "manual_key": second_factor.manual_key(device),
        },
    )
